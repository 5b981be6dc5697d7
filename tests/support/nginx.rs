//! A real nginx, started by a test as a process of its own with a configuration generated in a
//! temporary directory (every path it writes there: the pid, the logs, the temporary bodies), in
//! the foreground (`daemon off`, one process: `master_process off`), on a free loopback port, in
//! front of an upstream. Its access log says what it answered, and when, for the test to count.
//!
//! nginx is one of the tools the tests use: absent, the test is skipped, saying so, unless
//! `VPP_CONFORMANCE_REQUIRE_TOOLS=1` (CI, whose `.ci/run` installs it).

use super::binary::{Running, closed_port, required_or_skipped, start};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// nginx's `limit_req` in front of the upstream.
#[derive(Debug, Clone, Copy)]
pub struct LimitReq {
    /// `rate=Nr/s`.
    pub per_second: u32,
    /// `burst=N nodelay`.
    pub burst: u32,
    /// `limit_req_status`: `None` keeps nginx's default, 503.
    pub status: Option<u16>,
}

/// The recipe of issue #32: `rate=20r/s`, `burst=10 nodelay`.
pub fn recipe(status: Option<u16>) -> LimitReq {
    LimitReq { per_second: 20, burst: 10, status }
}

/// A running nginx, stopped when dropped.
pub struct Nginx {
    pub url: String,
    dir: tempfile::TempDir,
    _process: Running,
}

/// One line of the access log: when nginx answered (seconds since the epoch), and the status.
#[derive(Debug, Clone, Copy)]
pub struct Logged {
    pub at: f64,
    pub status: u16,
}

/// nginx's path: on `PATH`, or where Debian puts it (`/usr/sbin`, not on every user's `PATH`).
pub fn installed() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("nginx")).find(|p| p.is_file()));
    let found = on_path.or_else(|| Some(PathBuf::from("/usr/sbin/nginx")).filter(|p| p.is_file()));
    required_or_skipped(found, "nginx", ".ci/run")
}

fn config(dir: &Path, port: u16, upstream: &str, limit: Option<LimitReq>) -> String {
    let d = dir.display();
    let limit_zone = limit.map_or(String::new(), |l| {
        format!("limit_req_zone $binary_remote_addr zone=weather:1m rate={}r/s;", l.per_second)
    });
    let limit_req = limit.map_or(String::new(), |l| {
        let status = l.status.map_or(String::new(), |s| format!("limit_req_status {s};"));
        format!("limit_req zone=weather burst={} nodelay; {status}", l.burst)
    });
    format!(
        "daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format weather '$msec $status $request_method $request_uri';
    access_log {d}/access.log weather;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    {limit_zone}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            {limit_req}
            proxy_pass http://{upstream};
            proxy_set_header Host $http_host;
        }}
    }}
}}
"
    )
}

impl Nginx {
    /// nginx in front of `upstream` (`host:port`), with `limit`; `None` when nginx is not
    /// installed (the test is skipped, unless tools are required).
    pub fn start(upstream: &str, limit: Option<LimitReq>) -> Option<Self> {
        let nginx = installed()?;
        let dir = tempfile::tempdir().unwrap();
        let port = closed_port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), port, upstream, limit)).unwrap();
        let mut cmd = Command::new(&nginx);
        cmd.arg("-p").arg(dir.path()).arg("-c").arg(&conf).arg("-e").arg(dir.path().join("error.log"));
        let process = start(cmd);
        let nginx = Nginx { url: format!("http://127.0.0.1:{port}"), dir, _process: process };
        nginx.wait_until_listening(port);
        Some(nginx)
    }

    /// Waits until nginx accepts a connection; after half a minute (a hang guard), fails with its
    /// error log.
    fn wait_until_listening(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not listen on {port}:\n{}", self.error_log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// What nginx answered, in the order it did (each line of its access log).
    pub fn answered(&self) -> Vec<Logged> {
        let log = std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| {
                let mut words = l.split(' ');
                Some(Logged { at: words.next()?.parse().ok()?, status: words.next()?.parse().ok()? })
            })
            .collect()
    }

    /// How many answers had `status`.
    pub fn count(&self, status: u16) -> usize {
        self.answered().iter().filter(|l| l.status == status).count()
    }

    /// The most answers within one second that starts at an answer logged at least a second after
    /// the first answer with `status` (none: 0).
    pub fn busiest_second_after_first(&self, status: u16) -> usize {
        let answered = self.answered();
        let Some(first) = answered.iter().find(|l| l.status == status).map(|l| l.at) else { return 0 };
        let times: Vec<f64> = answered.iter().map(|l| l.at).collect();
        times
            .iter()
            .enumerate()
            .filter(|(_, t)| **t >= first + 1.0)
            .map(|(i, t)| times[i..].iter().take_while(|u| **u < t + 1.0).count())
            .max()
            .unwrap_or(0)
    }

    /// What nginx answered, in words, for an assertion message.
    pub fn describe(&self) -> String {
        let answered = self.answered();
        let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
        for l in &answered {
            *by_status.entry(l.status).or_default() += 1;
        }
        format!("nginx at {} answered {} request(s), by status: {by_status:?}", self.url, answered.len())
    }
}
