//! Regression reports: a run's labels stated in every output and binding its parts together, and
//! `diff` telling each documented operation's latency before and after, naming what got slower.

use crate::support::binary::{self, Finished};
use crate::support::in_process::{config_for, run_with};
use std::path::{Path, PathBuf};
use std::time::Duration;
use vpp_conformance::config::RunConfig;
use vpp_conformance::reference::{Quirk, ReferenceOptions, ReferenceTarget};

const LIMIT: Duration = Duration::from_secs(120);

fn labels() -> Vec<(String, String)> {
    vec![("implementation".into(), "2.4.1".into()), ("commit".into(), "abc123".into())]
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A small run against `target` with every output, labelled as given, its files in `dir`.
async fn labelled_run(target: &str, dir: &Path, labels: Vec<(String, String)>, extra: &str) -> RunConfig {
    let config = RunConfig {
        tags: Some("@apple-vpp".into()),
        labels,
        seed: Some(3),
        junit: Some(dir.join(format!("junit{extra}.xml"))),
        json: Some(dir.join(format!("run{extra}.json"))),
        reports: vec![dir.join(format!("report{extra}.html")), dir.join(format!("report{extra}.md"))],
        allure_results: Some(dir.join(format!("allure{extra}"))),
        ..config_for(target)
    };
    let (outcome, out) = run_with(&config).await;
    assert!(outcome.passed(), "{out}");
    let said: Vec<String> = config.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert!(out.contains(&format!("labels: {}", said.join(", "))), "the log states the labels\n{out}");
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_are_stated_in_every_output_and_parts_with_other_labels_do_not_merge() {
    let target = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    labelled_run(&target.url(), d, labels(), "").await;
    let junit = read(&d.join("junit.xml"));
    assert!(junit.contains("<property name=\"vpp-conformance.label.implementation\" value=\"2.4.1\"/>"), "{junit}");
    assert!(junit.contains("<property name=\"vpp-conformance.label.commit\" value=\"abc123\"/>"), "{junit}");
    let facts = vpp_conformance::outcome::facts::read(&read(&d.join("run.json"))).unwrap();
    assert_eq!(facts.selection.labels, labels(), "the facts carry the labels, sealed");
    assert!(read(&d.join("report.html")).contains("<code>implementation=2.4.1</code>"));
    assert!(read(&d.join("report.md")).contains("Labels: `implementation=2.4.1` `commit=abc123`"));
    let env = read(&d.join("allure/environment.properties"));
    assert!(env.contains("label.implementation=2.4.1\nlabel.commit=abc123\n"), "{env}");
    assert!(read(&d.join("allure/executor.json")).contains("implementation=2.4.1, commit=abc123"));

    // The same selection with another label is another certificate's part.
    let other = vec![("implementation".to_owned(), "2.4.2".to_owned())];
    labelled_run(&target.url(), d, other, "-other").await;
    let (a, b) = (d.join("run.json"), d.join("run-other.json"));
    let merged = binary::run(&["merge", a.to_str().unwrap(), b.to_str().unwrap()], LIMIT);
    assert_eq!(merged.code, Some(2), "{}", merged.describe());
    assert!(
        merged.stderr.contains("labels implementation=2.4.2 and implementation=2.4.1, commit=abc123")
            || merged.stderr.contains("labels implementation=2.4.1, commit=abc123 and implementation=2.4.2"),
        "{}",
        merged.describe()
    );
    let diff = binary::run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()], LIMIT);
    assert!(
        diff.stdout.contains("Labels: before implementation=2.4.1, commit=abc123; after implementation=2.4.2"),
        "{}",
        diff.describe()
    );
}

/// Two runs' Cucumber JSON, the later against `slow` quirks, with seeds 3 and `later_seed`.
async fn before_and_after(dir: &Path, slow: Vec<Quirk>, later_seed: u64) -> (PathBuf, PathBuf) {
    let mut paths = Vec::new();
    for (name, quirks, seed) in [("before", Vec::new(), 3), ("after", slow, later_seed)] {
        let target = ReferenceTarget::start(ReferenceOptions { quirks, ..ReferenceOptions::default() }).await.unwrap();
        let json = dir.join(format!("{name}.json"));
        let config = RunConfig {
            tags: Some("@apple-vpp or @sample or @UEM-GET-001 or @UEM-CON-001".into()),
            json: Some(json.clone()),
            seed: Some(seed),
            ..config_for(&target.url())
        };
        let (outcome, out) = run_with(&config).await;
        assert!(outcome.passed(), "{out}");
        paths.push(json);
    }
    (paths.remove(0), paths.remove(0))
}

fn diff(base: &Path, new: &Path, extra: &[&str]) -> Finished {
    let mut args = vec!["diff", base.to_str().unwrap(), new.to_str().unwrap()];
    args.extend(extra);
    binary::run(&args, LIMIT)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_names_each_operation_a_slower_target_slowed_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (base, new) = before_and_after(dir.path(), vec![Quirk::Latency(Duration::from_millis(100))], 3).await;
    let text = diff(&base, &new, &[]);
    assert_eq!(text.code, Some(0), "slower is no failing change without --fail-on-slower\n{}", text.describe());
    for op in ["SLOWER account list", "SLOWER one account", "SLOWER service configuration"] {
        assert!(text.stdout.contains(op), "{op}\n{}", text.describe());
    }
    assert!(text.stdout.contains("3 operation(s) slower"), "{}", text.describe());
    let gate = diff(&base, &new, &["--fail-on-slower"]);
    assert_eq!(gate.code, Some(1), "{}", gate.describe());
    let md = diff(&base, &new, &["--format", "markdown"]);
    assert_eq!(md.stdout.matches("**slower**").count(), 3, "{}", md.describe());
    let html = diff(&base, &new, &["--format", "html"]);
    assert!(html.stdout.contains("<svg") && html.stdout.contains("#c0392b"), "the picture marks what got slower");
    // A later run as fast as the earlier one: nothing slower, even with the gate.
    let same = diff(&new, &new, &["--fail-on-slower"]);
    assert_eq!(same.code, Some(0), "{}", same.describe());
    assert!(!same.stdout.contains("SLOWER"), "{}", same.describe());
    // Raise the bar above what 100 ms adds: nothing is slower.
    let loose = diff(&base, &new, &["--slower-ms", "500", "--fail-on-slower"]);
    assert_eq!(loose.code, Some(0), "{}", loose.describe());
}

/// Two runs of one unchanged target, each against a target of its own, with the same seed and
/// with another: noise is never a slower operation, even under the gate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_of_an_unchanged_target_list_nothing_slower() {
    for later_seed in [3, 4] {
        let dir = tempfile::tempdir().unwrap();
        let (base, new) = before_and_after(dir.path(), Vec::new(), later_seed).await;
        let gate = diff(&base, &new, &["--fail-on-slower"]);
        assert_eq!(gate.code, Some(0), "seed 3 then {later_seed}\n{}", gate.describe());
        assert!(!gate.stdout.contains("SLOWER"), "seed 3 then {later_seed}\n{}", gate.describe());
    }
}

/// A baseline written by an earlier version has no latency: `diff` says "not recorded" and
/// compares the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_baseline_without_latency_says_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (base, new) = before_and_after(dir.path(), Vec::new(), 3).await;
    let mut json: serde_json::Value = serde_json::from_str(&read(&base)).unwrap();
    let facts = json[0]["vpp-conformance"].as_object_mut().unwrap();
    assert!(facts.remove("latency").is_some(), "a run records its latency");
    std::fs::write(&base, json.to_string()).unwrap();
    let text = diff(&base, &new, &["--fail-on-slower"]);
    assert_eq!(text.code, Some(0), "{}", text.describe());
    assert!(text.stdout.contains("not recorded → p50"), "{}", text.describe());
}
