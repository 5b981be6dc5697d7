//! The target's weather behind a real nginx (`support::nginx`), as production runs meet it
//! (issue #32): `limit_req` at 20 requests a second with a burst of 10 (`nodelay`) refuses the
//! excess with its default 503, or with 429 (`limit_req_status 429`), without `Retry-After`;
//! the suite takes it as push-back, slows down and passes, with a bounded number of refusals
//! (counted in nginx's own access log). nginx in front of an upstream that is down answers 502
//! to everything: the target is found down, not judged (exit 3), in a short log and without a
//! broken rule. Skipped, saying so, where nginx is not installed (but not in CI).

use crate::support::binary::{self, Finished, closed_port, with_reference};
use crate::support::nginx::{Nginx, recipe};
use crate::weather::{BUSIEST_AFTER_REFUSAL, MOST_REFUSED};
use std::time::Duration;
use vpp_conformance::reference::ReferenceOptions;

/// A hang guard, far above the half minute a default run takes at 20 requests a second.
const LIMIT: Duration = Duration::from_secs(300);

/// Runs `args` (after `run --base-url URL`) through nginx with `limit_req` answering `status`
/// (`None`: its default, 503) before the reference; asserts the run passed, slowed by at most
/// [`MOST_REFUSED`] refusals. Nothing when nginx is not installed.
fn through_limit_req(status: Option<u16>, args: &[&str]) {
    with_reference(ReferenceOptions::default(), |url| {
        let Some(nginx) = Nginx::start(url.trim_start_matches("http://"), Some(recipe(status))) else { return };
        let f = binary::run(&[&["run", "--base-url", &nginx.url][..], args].concat(), LIMIT);
        assert_passed_despite_limit_req(&nginx, status.unwrap_or(503), &f);
    });
}

fn assert_passed_despite_limit_req(nginx: &Nginx, status: u16, f: &Finished) {
    let seen = nginx.describe();
    eprintln!("{seen}");
    assert_eq!(f.code, Some(0), "nginx's limit_req is no verdict: the run passes\n{seen}\n{}", f.describe());
    assert!(f.verdict().starts_with("VERDICT: PASS"), "{}", f.describe());
    let refused = nginx.count(status);
    assert!(refused >= 1, "nginx never refused: nothing was tested\n{seen}");
    assert!(refused <= MOST_REFUSED, "{refused} requests refused, more than {MOST_REFUSED}\n{seen}\n{}", f.describe());
    let busiest = nginx.busiest_second_after_first(status);
    assert!(busiest <= BUSIEST_AFTER_REFUSAL, "{busiest} requests within a second after the first refusal\n{seen}");
    assert!(f.stdout.contains(&format!("the target at {} pushed back", nginx.url)), "{}", f.describe());
}

/// The whole default run, refused with nginx's default 503.
#[test]
fn nginx_limit_req_with_its_default_503_slows_the_default_run_which_passes() {
    through_limit_req(None, &[]);
}

/// `limit_req_status 429`: the same push-back (`Client::answer` reads 429 and 503 alike), on a
/// representative part of the run (both APIs, the `@any-data` scenarios that send the most
/// queries at once), to keep the test to a third of the time.
#[test]
fn nginx_limit_req_with_429_slows_the_run_which_passes() {
    through_limit_req(Some(429), &["--tags", "@apple-vpp or @UEM-ANY-002 or @UEM-ANY-005 or @UEM-ANY-009 or @sample"]);
}

/// nginx up, the implementation behind it down: every answer is nginx's 502. The target is
/// found down (it never gave a usable answer), every scenario is an ERROR with that one cause,
/// the run ends 3 in a short log, and no line says a rule was broken.
#[test]
fn nginx_before_a_dead_upstream_is_not_judged() {
    let dead = format!("127.0.0.1:{}", closed_port());
    let Some(nginx) = Nginx::start(&dead, None) else { return };
    let f = binary::run(&["run", "--base-url", &nginx.url], LIMIT);
    eprintln!("{}", nginx.describe());
    assert_eq!(f.code, Some(3), "{}", f.describe());
    let verdict = f.verdict();
    assert!(verdict.starts_with("VERDICT: ERROR: "), "{}", f.describe());
    assert!(verdict.contains("502 or 504"), "the verdict says a gateway had nothing behind it: {verdict}");
    let lines = f.stdout.lines().count();
    assert!(lines <= 30, "{lines} lines for a target found down\n{}", f.describe());
    for line in f.stdout.lines() {
        assert!(!line.starts_with("FAIL") && !line.starts_with("NOT MET"), "a broken rule was said: {line}");
    }
    assert!(nginx.count(502) >= 1, "{}", nginx.describe());
}
