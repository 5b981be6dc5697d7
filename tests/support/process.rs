//! The real binary as a child process, with its output read as it comes, real signals sent to it,
//! and the misbehaving loopback servers it is pointed at (a closed port, a listener that accepts
//! and never answers, a body that trickles).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_vpp-conformance");

/// The suite's own environment variables, cleared so a test depends only on what it sets.
const SUITE_VARS: &[&str] = &[
    "VPP_CONFORMANCE_BASE_URL",
    "VPP_CONFORMANCE_VPP_BASE_URL",
    "VPP_CONFORMANCE_UEM_BASE_URL",
    "VPP_CONFORMANCE_TENANT",
    "VPP_CONFORMANCE_CONFIG",
    "VPP_CONFORMANCE_STATE_SETUP_URL",
    "VPP_CONFORMANCE_UEM_USERNAME",
    "VPP_CONFORMANCE_UEM_PASSWORD",
];

/// A running `vpp-conformance`, killed when dropped.
pub struct Running {
    child: Child,
    args: Vec<String>,
    lines: mpsc::Receiver<String>,
    stdout: Arc<Mutex<String>>,
    stdout_reader: Option<thread::JoinHandle<()>>,
    stderr: Option<thread::JoinHandle<String>>,
    pub started: Instant,
}

/// How a run ended.
pub struct Finished {
    pub args: Vec<String>,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// From start to exit.
    pub elapsed: Duration,
}

impl Finished {
    pub fn describe(&self) -> String {
        format!(
            "vpp-conformance {:?} exited with {:?} after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args, self.code, self.elapsed, self.stdout, self.stderr
        )
    }

    /// The `VERDICT: …` line of stdout.
    pub fn verdict(&self) -> &str {
        let lines: Vec<&str> = self.stdout.lines().filter(|l| l.starts_with("VERDICT: ")).collect();
        assert_eq!(lines.len(), 1, "expected exactly one VERDICT line\n{}", self.describe());
        lines[0]
    }
}

/// Starts the binary with `args` (and the suite's own variables cleared).
pub fn spawn(args: &[&str]) -> Running {
    let mut cmd = Command::new(BIN);
    for var in SUITE_VARS {
        cmd.env_remove(var);
    }
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
    let out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let (tx, lines) = mpsc::channel();
    let stdout = Arc::new(Mutex::new(String::new()));
    let all = stdout.clone();
    let stdout_reader = thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let mut all = all.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
    });
    let stderr = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    });
    Running {
        child,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        lines,
        stdout,
        stdout_reader: Some(stdout_reader),
        stderr: Some(stderr),
        started: Instant::now(),
    }
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a stdout line that satisfies `pred`; panics after `limit`.
    pub fn wait_for_line(&mut self, what: &str, limit: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if pred(&line) => return line,
                Ok(_) => {}
                Err(_) => {
                    let _ = self.child.kill();
                    panic!("no stdout line {what} within {limit:?}\n--- stdout ---\n{}", self.stdout.lock().unwrap());
                }
            }
        }
    }

    /// Sends a real signal (`INT`, `TERM`) with kill(1).
    pub fn signal(&self, name: &str) {
        let status =
            Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status().expect("kill runs");
        assert!(status.success(), "kill -{name} {} failed", self.pid());
    }

    /// Waits for the exit; kills the process and panics after `limit`.
    pub fn wait(mut self, limit: Duration) -> Finished {
        let deadline = Instant::now() + limit;
        let status = loop {
            match self.child.try_wait().expect("try_wait") {
                Some(status) => break Some(status),
                None if Instant::now() > deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break None;
                }
                None => thread::sleep(Duration::from_millis(10)),
            }
        };
        let elapsed = self.started.elapsed();
        let stderr = self.stderr.take().expect("joined once").join().unwrap_or_default();
        let _ = self.stdout_reader.take().expect("joined once").join();
        let finished = Finished {
            args: self.args.clone(),
            code: status.and_then(|s| s.code()),
            stdout: self.stdout.lock().unwrap().clone(),
            stderr,
            elapsed,
        };
        assert!(status.is_some(), "still running after {limit:?}, killed\n{}", finished.describe());
        finished
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary to its end, within `limit`.
pub fn run(args: &[&str], limit: Duration) -> Finished {
    spawn(args).wait(limit)
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind(("127.0.0.1", 0)).expect("bind a free port");
    l.local_addr().unwrap().port()
}

/// A loopback server that accepts every connection and never answers; its base URL. It lives as
/// long as the test process.
pub fn hanging_server() -> String {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().map_while(Result::ok) {
            held.push(stream);
        }
    });
    url
}

/// A loopback server that answers a status line and headers at once, then trickles its body a
/// byte every 300 ms, forever; its base URL.
pub fn trickling_server() -> String {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let _ = stream.read(&mut buf);
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                while stream.write_all(b" ").and_then(|()| stream.flush()).is_ok() {
                    thread::sleep(Duration::from_millis(300));
                }
            });
        }
    });
    url
}

/// A tool on PATH, or `None` (the check is skipped) unless `VPP_CONFORMANCE_REQUIRE_TOOLS=1`.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).find(|p| p.is_file()));
    if found.is_none() {
        assert!(
            std::env::var("VPP_CONFORMANCE_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{name} is required (VPP_CONFORMANCE_REQUIRE_TOOLS=1) but not installed: .ci/run installs it"
        );
        eprintln!("skipped: {name} is not installed (.ci/run installs it)");
    }
    found
}

/// Validates a JUnit file with the schema the tests use (tests/schemas/junit.xsd), when xmllint
/// is installed.
pub fn assert_valid_junit(file: &Path) {
    let Some(xmllint) = tool("xmllint") else { return };
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit.xsd");
    let out = Command::new(&xmllint).args(["--noout", "--schema"]).arg(&schema).arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "{} does not validate: {}\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(file).unwrap_or_default()
    );
}

/// One `<testcase>` of a JUnit report.
#[derive(Debug)]
pub struct Case {
    pub name: String,
    /// `passed`, `failure`, `error` or `skipped`.
    pub status: String,
    pub output: String,
}

/// The test cases of a JUnit report (parsed, so a malformed file fails the test).
pub fn junit_cases(xml: &str) -> Vec<Case> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut cases: Vec<Case> = Vec::new();
    let mut in_out = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.name().as_ref() {
                b"testcase" => {
                    let name = e
                        .try_get_attribute("name")
                        .unwrap()
                        .expect("a test case has a name")
                        .unescape_value()
                        .unwrap()
                        .into_owned();
                    cases.push(Case { name, status: "passed".into(), output: String::new() });
                }
                b"failure" | b"error" | b"skipped" => {
                    let status = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    cases.last_mut().expect("inside a test case").status = status;
                }
                b"system-out" => in_out = true,
                _ => {}
            },
            Ok(Event::End(e)) if e.name().as_ref() == b"system-out" => in_out = false,
            Ok(Event::CData(t)) if in_out => {
                cases.last_mut().unwrap().output.push_str(&String::from_utf8_lossy(&t.into_inner()))
            }
            Ok(Event::Text(t)) if in_out => cases.last_mut().unwrap().output.push_str(&t.unescape().unwrap()),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("the JUnit report does not parse: {e}\n{xml}"),
        }
    }
    cases
}

/// The IDs of the scenarios a run selects with no `--tags` (everything but `@opt-in`).
pub fn default_selection() -> Vec<String> {
    let f = run(&["list", "--json"], Duration::from_secs(60));
    let list: serde_json::Value = serde_json::from_str(&f.stdout).expect("list --json");
    list.as_array()
        .expect("an array")
        .iter()
        .filter(|s| !s["tags"].as_array().unwrap().iter().any(|t| t == "opt-in"))
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}
