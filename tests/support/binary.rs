//! The real binary as a child process, with its output read as it comes, real signals sent to it,
//! and the misbehaving loopback servers it is pointed at (a closed port, a listener that accepts
//! and never answers, a body that trickles).
//!
//! This is the one place the tests start a process: [`command`] is the binary with a scrubbed
//! environment, [`spawn`]/[`run`] (and their `_env`/`_in` forms) start it, [`start`]/[`run_command`]
//! run any other tool under the same deadline. Every child runs under a deadline: a hang fails the
//! test instead of blocking the run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_vpp-conformance");

/// Whether the binary must not inherit `var` from the test process: the suite's own settings
/// (every `VPP_CONFORMANCE_*`) and every proxy setting reqwest reads (either case), so a test
/// depends only on what it sets itself.
pub fn scrubbed(var: &str) -> bool {
    let upper = var.to_ascii_uppercase();
    upper.starts_with("VPP_CONFORMANCE_")
        || ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"].contains(&upper.as_str())
        // reqwest ignores HTTP_PROXY when this CGI variable is set.
        || upper == "REQUEST_METHOD"
}

/// The binary as a command: every [`scrubbed`] variable of this process removed, then `envs` set.
pub fn command(envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    for (var, _) in std::env::vars_os() {
        if scrubbed(&var.to_string_lossy()) {
            cmd.env_remove(&var);
        }
    }
    cmd.envs(envs.iter().copied());
    cmd
}

/// A running child process, killed when dropped.
pub struct Running {
    child: Child,
    program: String,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    lines: mpsc::Receiver<String>,
    stdout: Arc<Mutex<String>>,
    stdout_reader: Option<thread::JoinHandle<()>>,
    stderr: Option<thread::JoinHandle<String>>,
    pub started: Instant,
}

/// How a run ended.
pub struct Finished {
    /// `vpp-conformance`, or the tool's path.
    pub program: String,
    pub args: Vec<String>,
    /// The variables the test set for the child (not the ones it inherited).
    pub envs: Vec<(String, String)>,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// From start to exit.
    pub elapsed: Duration,
}

impl Finished {
    /// Everything a failing assertion needs to be understood.
    pub fn describe(&self) -> String {
        let envs = if self.envs.is_empty() { String::new() } else { format!(" (env {:?})", self.envs) };
        format!(
            "{} {:?}{envs} exited with {:?} after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.program, self.args, self.code, self.elapsed, self.stdout, self.stderr
        )
    }

    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(self.code, Some(expected), "unexpected exit status\n{}", self.describe());
        self
    }

    /// The `VERDICT: …` line of stdout.
    pub fn verdict(&self) -> &str {
        let lines: Vec<&str> = self.stdout.lines().filter(|l| l.starts_with("VERDICT: ")).collect();
        assert_eq!(lines.len(), 1, "expected exactly one VERDICT line\n{}", self.describe());
        lines[0]
    }

    /// The log's lines of finished scenarios: (status, ID).
    pub fn scenario_lines(&self) -> Vec<(String, String)> {
        self.stdout
            .lines()
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                let status = words.next()?;
                let id = words.next()?;
                let known = ["PASS", "WARNING", "FLAKY", "FAIL", "TIMED", "NOT", "WAIVED", "STALE"];
                (known.contains(&status) && vpp_conformance::catalog::is_id_tag(id))
                    .then(|| (status.to_owned(), id.to_owned()))
            })
            .collect()
    }

    /// Asserts the run passed exactly `n` scenarios, each with its line in the log.
    pub fn assert_passed(&self, n: usize) {
        self.assert_code(0);
        let lines = self.scenario_lines();
        assert_eq!(lines.len(), n, "one line a scenario\n{}", self.describe());
        assert!(lines.iter().all(|(s, _)| s == "PASS"), "{}", self.describe());
        assert!(
            self.verdict().starts_with(&format!("VERDICT: PASS: {n} of {n} scenarios passed")),
            "{}",
            self.describe()
        );
    }
}

/// Starts `cmd` (any program) with no stdin and both outputs read as they come, so a chatty child
/// never blocks on a full pipe.
pub fn start(mut cmd: Command) -> Running {
    let program = match Path::new(cmd.get_program()) {
        p if p == Path::new(BIN) => "vpp-conformance".to_owned(),
        p => p.display().to_string(),
    };
    let args = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let envs = cmd
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_string_lossy().into_owned(), v?.to_string_lossy().into_owned())))
        .collect();
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    let out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let (tx, lines) = mpsc::channel();
    let stdout = Arc::new(Mutex::new(String::new()));
    let all = stdout.clone();
    let stdout_reader = thread::spawn(move || {
        // Line by line, so a test can wait for one; stdout is kept as it came.
        let mut out = BufReader::new(out);
        let mut buf = Vec::new();
        while out.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            let chunk = String::from_utf8_lossy(&buf);
            all.lock().unwrap().push_str(&chunk);
            let line = chunk.strip_suffix('\n').unwrap_or(&chunk);
            let _ = tx.send(line.strip_suffix('\r').unwrap_or(line).to_owned());
            buf.clear();
        }
    });
    let stderr = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    });
    Running {
        child,
        program,
        args,
        envs,
        lines,
        stdout,
        stdout_reader: Some(stdout_reader),
        stderr: Some(stderr),
        started: Instant::now(),
    }
}

/// Starts the binary with `args`.
pub fn spawn(args: &[&str]) -> Running {
    spawn_env(&[], args)
}

/// Starts the binary with `args` and these variables set (see [`command`]).
pub fn spawn_env(envs: &[(&str, &str)], args: &[&str]) -> Running {
    let mut cmd = command(envs);
    cmd.args(args);
    start(cmd)
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a stdout line that satisfies `pred`; kills the child and panics after `limit` or
    /// when stdout ends first.
    pub fn wait_for_line(&mut self, what: &str, limit: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if pred(&line) => return line,
                Ok(_) => {}
                Err(_) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    let stderr = self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default();
                    panic!(
                        "no stdout line {what} within {limit:?}\n--- stdout ---\n{}\n--- stderr ---\n{stderr}",
                        self.stdout.lock().unwrap()
                    );
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
        let stderr = self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default();
        if let Some(reader) = self.stdout_reader.take() {
            let _ = reader.join();
        }
        let finished = Finished {
            program: self.program.clone(),
            args: self.args.clone(),
            envs: self.envs.clone(),
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

/// Runs the binary to its end, within `limit`, with these variables set (see [`command`]).
pub fn run_env(envs: &[(&str, &str)], args: &[&str], limit: Duration) -> Finished {
    spawn_env(envs, args).wait(limit)
}

/// As [`run_env`], in the directory `dir`.
pub fn run_in(dir: &Path, envs: &[(&str, &str)], args: &[&str], limit: Duration) -> Finished {
    let mut cmd = command(envs);
    cmd.args(args).current_dir(dir);
    start(cmd).wait(limit)
}

/// [`run_env`] off the async runtime, so the servers the test started on it keep serving.
pub async fn run_env_async(envs: &[(&str, &str)], args: &[&str], limit: Duration) -> Finished {
    let envs: Vec<(String, String)> = envs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_env(&envs, &args, limit)
    })
    .await
    .expect("the child-running thread panicked")
}

/// Runs any other program to its end, within `limit` (blocking).
pub fn run_command(cmd: Command, limit: Duration) -> Finished {
    start(cmd).wait(limit)
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind(("127.0.0.1", 0)).expect("bind a free port");
    l.local_addr().unwrap().port()
}

/// A loopback server of the test process that counts the requests it got, so a test can wait for
/// them instead of sleeping, and count what a run sent.
pub struct Counting {
    pub url: String,
    seen: Arc<(Mutex<usize>, Condvar)>,
}

impl Counting {
    /// How many requests arrived so far (a connection that sent bytes).
    pub fn requests(&self) -> usize {
        *self.seen.0.lock().unwrap()
    }

    /// Blocks until `n` requests have arrived; after `limit` (a hang guard) the test fails.
    pub fn wait_for_requests(&self, n: usize, limit: Duration) {
        let (count, arrived) = &*self.seen;
        let (count, timeout) = arrived.wait_timeout_while(count.lock().unwrap(), limit, |count| *count < n).unwrap();
        assert!(!timeout.timed_out(), "{} request(s) arrived within {limit:?}, not {n}", *count);
    }
}

/// A counting server that runs `answer` on a thread of its own for each connection, once its
/// request has arrived (and been counted).
fn counting_server(answer: fn(TcpStream)) -> Counting {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new((Mutex::new(0usize), Condvar::new()));
    let counter = seen.clone();
    thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let counter = counter.clone();
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                if matches!(stream.read(&mut buf), Ok(n) if n > 0) {
                    let (count, arrived) = &*counter;
                    *count.lock().unwrap() += 1;
                    arrived.notify_all();
                    answer(stream);
                }
            });
        }
    });
    Counting { url, seen }
}

/// A loopback server that accepts every connection, reads its request and never answers; it
/// lives as long as the test process.
pub fn hanging_server() -> Counting {
    counting_server(|mut stream| {
        // Held open, never answered, until the client hangs up.
        let mut buf = [0u8; 4096];
        while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
    })
}

/// Runs `run` with `args` against `vpp` (a target that answers) and `uem` (a [`hanging_server`])
/// with a request timeout no wait outlasts, and interrupts it with SIGINT once every Apple
/// scenario has its line and a UEM request hangs: a run with finished and unfinished scenarios,
/// whatever the machine's load. Its end, within `limit` for each wait.
pub fn interrupted_run(vpp: &str, uem: &Counting, args: &[&str], limit: Duration) -> Finished {
    let apple = default_selection().iter().filter(|id| id.starts_with("APL-")).count();
    let mut all = vec!["run", "--vpp-base-url", vpp, "--uem-base-url", &uem.url, "--timeout", "3600"];
    all.extend(args);
    let mut child = spawn(&all);
    let passed = std::cell::Cell::new(0);
    child.wait_for_line("a line for each Apple scenario", limit, |l| {
        passed.set(passed.get() + usize::from(l.starts_with("PASS ") && l.contains(" APL-")));
        passed.get() == apple
    });
    uem.wait_for_requests(1, limit);
    child.signal("INT");
    child.wait(limit)
}

/// A loopback server that answers a status line and headers at once, then trickles its body a
/// byte every 300 ms, forever.
pub fn trickling_server() -> Counting {
    counting_server(|mut stream| {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        while stream.write_all(b" ").and_then(|()| stream.flush()).is_ok() {
            thread::sleep(Duration::from_millis(300));
        }
    })
}

/// A tool on PATH, or `None` (the check is skipped) unless `VPP_CONFORMANCE_REQUIRE_TOOLS=1`.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).find(|p| p.is_file()));
    required_or_skipped(found, name, ".ci/run")
}

/// `found`; or, when a tool was not found, `None` after saying so (the check is skipped), unless
/// `VPP_CONFORMANCE_REQUIRE_TOOLS=1`, which makes a missing tool a failure. `installer` installs it.
pub fn required_or_skipped<T>(found: Option<T>, name: &str, installer: &str) -> Option<T> {
    if found.is_none() {
        assert!(
            std::env::var("VPP_CONFORMANCE_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{name} is required (VPP_CONFORMANCE_REQUIRE_TOOLS=1) but not installed: {installer} installs it"
        );
        eprintln!("skipped: {name} is not installed ({installer} installs it)");
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
    // Inside an element whose text a reader shows: <system-out>, <failure>, <error>.
    let mut in_text = false;
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
                    let case = cases.last_mut().expect("inside a test case");
                    case.status = status;
                    if let Some(message) = e.try_get_attribute("message").unwrap() {
                        case.output.push_str(&message.unescape_value().unwrap());
                        case.output.push('\n');
                    }
                    in_text = true;
                }
                b"system-out" => in_text = true,
                _ => {}
            },
            Ok(Event::End(e)) if matches!(e.name().as_ref(), b"system-out" | b"failure" | b"error") => in_text = false,
            Ok(Event::CData(t)) if in_text => {
                cases.last_mut().unwrap().output.push_str(&String::from_utf8_lossy(&t.into_inner()))
            }
            Ok(Event::Text(t)) if in_text => cases.last_mut().unwrap().output.push_str(&t.unescape().unwrap()),
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

/// Runs `f` with the URL of an in-process reference target (with `options`), kept serving on a
/// tokio runtime until `f` returns.
pub fn with_reference<T>(options: vpp_conformance::reference::ReferenceOptions, f: impl FnOnce(&str) -> T) -> T {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime");
    let target =
        rt.block_on(vpp_conformance::reference::ReferenceTarget::start(options)).expect("reference target starts");
    let out = f(&target.url());
    rt.block_on(async move { drop(target) });
    out
}
