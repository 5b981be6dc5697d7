//! Real consumers of the outputs, as CI dashboards read them: junitparser reads the JUnit XML,
//! multiple-cucumber-html-reporter the Cucumber JSON (which once counted scenarios not run as
//! passed). Each must count what the run's own results model counts.

use super::{Case, Cucumber, JUnit, LIMIT, Run, Seen, assert_each_scenario_once, id_of, seen, shown};
use crate::support::binary;
use std::path::{Path, PathBuf};
use std::process::Command;

/// junitparser reads the JUnit file: each case's results and the suite's counts, as JSON.
const JUNITPARSER: &str = r#"
import json, sys
from junitparser import JUnitXml, TestSuite, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
suites = [xml] if isinstance(xml, TestSuite) else list(xml)
kinds = {Failure: "failure", Error: "error", Skipped: "skipped"}
print(json.dumps({
    "suites": len(suites),
    "counts": [[s.tests, s.failures, s.errors, s.skipped] for s in suites],
    "cases": [[c.name, c.classname, [kinds[type(r)] for r in c.result]] for s in suites for c in s],
}))
"#;

/// The virtualenv's Python with junitparser, or `None` (skipped) unless required.
fn junitparser() -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/py-tools/bin/python");
    let found = Command::new(&python).args(["-c", "import junitparser"]).output().is_ok_and(|o| o.status.success());
    binary::required_or_skipped(found.then_some(python), "junitparser", "scripts/install-python-tools.sh")
}

/// junitparser reads the JUnit file as this test does: the same cases, results and counts.
pub(super) fn assert_junitparser_agrees(run: &Run, cases: &[Case]) {
    let Some(python) = junitparser() else { return };
    let mut cmd = Command::new(python);
    cmd.args(["-c", JUNITPARSER]).arg(run.files.junit());
    let read = binary::run_command(cmd, LIMIT);
    assert!(read.success(), "{}", read.describe());
    let read: serde_json::Value = serde_json::from_str(&read.stdout).expect("junitparser's JSON");
    assert_eq!(read["suites"], 1, "junitparser reads one test suite");
    let theirs: Vec<Case> = read["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            id: id_of(c[0].as_str().unwrap()).to_owned(),
            classname: c[1].as_str().unwrap().to_owned(),
            shows: match c[2].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect::<Vec<_>>()[..] {
                [] => JUnit::Passed,
                ["failure"] => JUnit::Failure,
                ["error"] => JUnit::Error,
                ["skipped"] => JUnit::Skipped,
                ref more => panic!("junitparser reads {more:?} for {}", c[0]),
            },
        })
        .collect();
    assert_eq!(theirs, cases, "junitparser reads the cases otherwise");
    let want = seen(&run.outcome);
    let errors = cases.iter().filter(|c| c.shows == JUnit::Error).count();
    let counts = serde_json::json!([[want.total, want.failed - errors, errors, want.skipped]]);
    assert_eq!(read["counts"], counts, "junitparser's tests/failures/errors/skipped against the run's");
}

/// multiple-cucumber-html-reporter generates its report from the Cucumber JSON's directory and
/// saves what it made of it (`enriched-output.json`): its scenario totals, and each scenario as
/// it counts it (a failed step first, then ambiguous, undefined, pending, skipped, passed).
const CUCUMBER_REPORTER: &str = r#"
const [reporter, jsonDir, reportPath] = process.argv.slice(1);
require(reporter).generate({ jsonDir, reportPath, saveCollectedJSON: true, disableLog: true });
const suite = JSON.parse(require("fs").readFileSync(require("path").join(reportPath, "enriched-output.json")));
const as = (e) => e.failed > 0 ? "failed" : e.ambiguous > 0 ? "ambiguous" : e.notDefined > 0 ? "undefined"
  : e.pending > 0 ? "pending" : e.skipped > 0 ? "skipped" : e.passed > 0 ? "passed" : "uncounted";
const scenarios = suite.features.flatMap((f) => f.elements.filter((e) => e.type !== "background").map((e) => [e.name, as(e)]));
console.log(JSON.stringify({ totals: suite.scenarios, scenarios }));
"#;

/// node and the reporter's package in target/node-tools, or `None` (skipped) unless required.
fn cucumber_reporter() -> Option<(PathBuf, PathBuf)> {
    let package =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/node-tools/node_modules/multiple-cucumber-html-reporter");
    let node = binary::tool("node")?;
    let found = package.join("package.json").is_file().then_some((node, package));
    binary::required_or_skipped(found, "multiple-cucumber-html-reporter", "scripts/install-node-tools.sh")
}

/// multiple-cucumber-html-reporter counts each scenario, and the run, as the run does: a
/// scenario not run is never counted passed.
pub(super) fn assert_cucumber_reporter_agrees(run: &Run) {
    let Some((node, package)) = cucumber_reporter() else { return };
    let json_dir = run.files.json().parent().unwrap().to_owned();
    let mut cmd = Command::new(node);
    cmd.args(["-e", CUCUMBER_REPORTER]).arg(package).arg(json_dir).arg(run.files.dir.path().join("cucumber-report"));
    let read = binary::run_command(cmd, LIMIT);
    assert!(read.success(), "{}", read.describe());
    let read: serde_json::Value = serde_json::from_str(&read.stdout).expect("the reporter's JSON");
    let scenarios = read["scenarios"].as_array().unwrap();
    assert_each_scenario_once(
        "multiple-cucumber-html-reporter",
        scenarios.iter().map(|s| id_of(s[0].as_str().unwrap())),
        run,
    );
    for s in scenarios {
        let (id, counted) = (id_of(s[0].as_str().unwrap()), s[1].as_str().unwrap());
        let status = run.outcome.scenario(id).unwrap().status;
        let expected = match shown(status, run.outcome.strict).cucumber {
            Cucumber::Passed => "passed",
            Cucumber::Failed => "failed",
            Cucumber::Skipped => "skipped",
        };
        assert_eq!(counted, expected, "multiple-cucumber-html-reporter counts {id} ({status})");
    }
    let t = &read["totals"];
    let n = |key: &str| t[key].as_u64().unwrap() as usize;
    let theirs = Seen {
        total: n("total"),
        passed: n("passed"),
        failed: n("failed") + n("ambiguous") + n("notDefined"),
        skipped: n("skipped") + n("pending"),
    };
    assert_eq!(theirs, seen(&run.outcome), "multiple-cucumber-html-reporter's totals {t} against the run's");
}
