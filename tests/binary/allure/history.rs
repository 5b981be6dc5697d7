//! One Allure history file over three runs, as a CI job that keeps it between pipelines has it:
//! a conformant target (the built-in reference), then one that breaks rules (a seeded defect),
//! then a dead one (a closed port, every scenario not judged). Each run writes into the same
//! results directory (replacing its own earlier files) and each `allure generate` reads and
//! appends to the same `historyPath`: three entries, keyed by the same test cases whatever the
//! target's URL (an excluded parameter), and a scenario that passed and then failed shown with
//! its history.

use super::{LIMIT, Report, Work, allure, assert_allure_agrees, expected_status, generate, outcome_of};
use crate::support::binary::{self, with_reference};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use vpp_conformance::outcome::{RunOutcome, Status};
use vpp_conformance::reference::{Quirk, ReferenceOptions, UemQuirk};

/// One run of the binary into the shared results directory, its outcome read from its Cucumber
/// JSON; `target` is `--base-url`, or `None` for the built-in reference.
fn run(work: &Work, n: usize, target: Option<&str>, code: i32) -> RunOutcome {
    let (results, json) = (work.arg("allure-results"), work.arg(&format!("run-{n}.json")));
    let mut args = vec!["run", "--seed", "1", "--timeout", "5", "--allure-results", &results, "--json", &json];
    if let Some(url) = target {
        args.extend(["--base-url", url]);
    }
    binary::run(&args, LIMIT).assert_code(code);
    outcome_of(&work.path(&format!("run-{n}.json")))
}

/// The history file's entries: for each, every test's (fullName → (history key, status)).
fn history(work: &Work) -> Vec<BTreeMap<String, (String, String)>> {
    let text = std::fs::read_to_string(work.path("history.jsonl")).expect("allure wrote its history file");
    let entries: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("a history line is JSON")).collect();
    entries
        .iter()
        .map(|entry| {
            let tests = entry["testResults"].as_object().expect("an entry's testResults");
            tests
                .iter()
                .map(|(key, t)| {
                    let name = t["fullName"].as_str().expect("a history item's fullName").to_owned();
                    (name, (key.clone(), t["status"].as_str().unwrap().to_owned()))
                })
                .collect()
        })
        .collect()
}

/// The statuses of a test's earlier runs, as the report shows them (newest first).
fn shown_history(report: &Report, id: &str) -> Vec<String> {
    let items = report.test(id)["history"].as_array().unwrap_or_else(|| panic!("{id} has no history")).clone();
    items.iter().map(|h| h["status"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn one_history_file_follows_each_scenario_over_three_runs() {
    let Some(allure) = allure() else { return };
    let work = Work::new();
    let (results, history_file) = (work.path("allure-results"), work.path("history.jsonl"));
    let mut runs: Vec<(RunOutcome, Report)> = Vec::new();
    let mut step = |n: usize, outcome: RunOutcome| {
        let report = generate(&allure, &[&results], &work.path(&format!("report-{n}")), Some(&history_file));
        assert_allure_agrees(&format!("run {n} with history"), &outcome, &report);
        runs.push((outcome, report));
    };
    step(1, run(&work, 1, None, 0));
    let defect = ReferenceOptions::default().with_quirk(Quirk::Uem(UemQuirk::BadCaseSensitive));
    step(2, with_reference(defect, |url| run(&work, 2, Some(url), 1)));
    let closed = format!("http://127.0.0.1:{}", binary::closed_port());
    step(3, run(&work, 3, Some(&closed), 3));

    let [(one, r1), (two, r2), (three, r3)] = <[_; 3]>::try_from(runs).ok().unwrap();
    assert!(one.passed() && three.counts().errors == three.counts().total, "a pass, then a dead target");
    // Every scenario is new in the first report only: the target's URL changed each time and
    // never split a scenario's history.
    for (n, report, new) in [(1, &r1, one.counts().total), (2, &r2, 0), (3, &r3, 0)] {
        assert_eq!(report.summary["newTests"].as_array().unwrap().len(), new, "report {n}'s new tests");
    }

    let entries = history(&work);
    assert_eq!(entries.len(), 3, "one history entry a generated report");
    let ids: Vec<String> = one.scenarios.iter().map(|s| s.id.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let keys = |entry: &BTreeMap<String, (String, String)>| -> BTreeMap<String, String> {
        entry.iter().map(|(name, (key, _))| (name.clone(), key.clone())).collect()
    };
    for (entry, outcome) in entries.iter().zip([&one, &two, &three]) {
        assert_eq!(entry.keys().cloned().collect::<Vec<_>>(), ids, "each entry holds every scenario by its ID");
        assert_eq!(keys(entry), keys(&entries[0]), "each scenario has one history key in every entry");
        for s in &outcome.scenarios {
            assert_eq!(entry[&s.id].1, expected_status(s, outcome.strict), "{}'s status in the history", s.id);
        }
    }

    // A scenario the defect broke: passed, then failed, then not judged, each run in its history.
    let broken = two.scenarios.iter().find(|s| s.status == Status::Fail).expect("the defect fails a scenario");
    assert_eq!(one.scenario(&broken.id).unwrap().status, Status::Pass);
    assert_eq!(r2.test(&broken.id)["status"], "failed");
    assert_eq!(shown_history(&r2, &broken.id), ["passed"], "{} shows it passed before", broken.id);
    assert_eq!(r3.test(&broken.id)["status"], "broken");
    assert_eq!(shown_history(&r3, &broken.id), ["failed", "passed"], "{} shows both runs before", broken.id);
    eprintln!("history: 3 entries of {} scenarios; {} passed, failed, broken", ids.len(), broken.id);
}
