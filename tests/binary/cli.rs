//! The command line is a stable interface CI scripts depend on: these tests drive the real
//! binary (exit status, the verdict line, the reports, the usage errors, `list`, `serve`).
//!
//! Every child process runs under a deadline: a hang fails the test instead of blocking the run.

use crate::support::binary::{self, Finished, closed_port, with_reference};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::time::Duration;
use vpp_conformance::reference::{Quirk, ReferenceOptions, UemQuirk};

/// How long one invocation of the binary may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Running the binary (with tests/support/process.rs)
// ---------------------------------------------------------------------------------------------

fn run(args: &[&str]) -> Finished {
    binary::run(args, DEADLINE)
}

// ---------------------------------------------------------------------------------------------
// The catalog, as `list --json` reports it
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
struct Scenario {
    id: String,
    name: String,
    tags: Vec<String>,
    section: String,
    level: String,
    feature: String,
    path: String,
}

impl Scenario {
    fn has(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

fn catalog() -> &'static [Scenario] {
    static CATALOG: OnceLock<Vec<Scenario>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let f = run(&["list", "--json"]);
        f.assert_code(0);
        serde_json::from_str(&f.stdout)
            .unwrap_or_else(|e| panic!("list --json is not a scenario array: {e}\n{}", f.describe()))
    })
}

/// The scenarios a run selects with no `--tags`: everything but `@opt-in`.
fn default_selection() -> Vec<&'static Scenario> {
    catalog().iter().filter(|s| !s.has("opt-in")).collect()
}

fn ids<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> BTreeSet<String> {
    scenarios.into_iter().map(|s| s.id.clone()).collect()
}

// ---------------------------------------------------------------------------------------------
// The reports
// ---------------------------------------------------------------------------------------------

struct Junit {
    suites: usize,
    /// Every `<testcase name="…">`.
    cases: Vec<String>,
    /// Every test case's `classname`, in the same order.
    classnames: Vec<String>,
    failures: usize,
}

/// Parses a JUnit report, checking `<testsuite>` › `<testcase>` nesting (Surefire's one suite).
fn parse_junit(xml: &str) -> Junit {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut junit = Junit { suites: 0, cases: Vec::new(), classnames: Vec::new(), failures: 0 };
    let mut roots = 0;
    let mut open = |e: &BytesStart<'_>, stack: &[String], junit: &mut Junit| {
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let parent = stack.last().map(String::as_str);
        match name.as_str() {
            "testsuite" => {
                assert_eq!(parent, None, "<testsuite> must be the root");
                roots += 1;
                junit.suites += 1;
            }
            "testcase" => {
                assert_eq!(parent, Some("testsuite"), "<testcase> outside <testsuite>");
                let case_name = e
                    .try_get_attribute("name")
                    .expect("well-formed attributes")
                    .expect("<testcase> has a name")
                    .unescape_value()
                    .expect("unescapable name")
                    .into_owned();
                junit.cases.push(case_name);
                let classname = e
                    .try_get_attribute("classname")
                    .expect("well-formed attributes")
                    .expect("<testcase> has a classname (JUnit readers group by it)")
                    .unescape_value()
                    .expect("unescapable classname")
                    .into_owned();
                junit.classnames.push(classname);
            }
            "failure" | "error" => junit.failures += 1,
            _ => {}
        }
        name
    };
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = open(&e, &stack, &mut junit);
                stack.push(name);
            }
            Ok(Event::Empty(e)) => {
                open(&e, &stack, &mut junit);
            }
            Ok(Event::End(e)) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "unbalanced XML");
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("JUnit XML does not parse at {}: {e}\n{xml}", reader.buffer_position()),
        }
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
    assert_eq!(roots, 1, "expected one <testsuite> root");
    junit
}

/// Parses a Cucumber JSON report: an array of features with `elements`, each scenario carrying
/// its ID tag. Returns the ID of every scenario, with its step statuses (background first).
fn parse_cucumber_json(text: &str) -> BTreeMap<String, Vec<String>> {
    let known: BTreeSet<String> = ids(catalog());
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"));
    let features = value.as_array().expect("Cucumber JSON is an array of features");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut scenarios = BTreeSet::new();
    for feature in features {
        let elements = feature["elements"].as_array().unwrap_or_else(|| panic!("feature without elements: {feature}"));
        for element in elements {
            let tags: Vec<&str> = element["tags"]
                .as_array()
                .unwrap_or_else(|| panic!("element without tags: {element}"))
                .iter()
                .map(|t| t["name"].as_str().expect("tag name"))
                .collect();
            // cucumber-rs writes tag names without the leading `@`; accept both.
            let id_tags: Vec<&str> =
                tags.iter().map(|t| t.trim_start_matches('@')).filter(|t| known.contains(*t)).collect();
            assert_eq!(
                id_tags.len(),
                1,
                "element {:?} must carry exactly one scenario ID tag, has {tags:?}",
                element["name"]
            );
            let statuses: Vec<String> = element["steps"]
                .as_array()
                .map(|steps| steps.iter().map(|s| s["result"]["status"].as_str().unwrap_or("").to_owned()).collect())
                .unwrap_or_default();
            // A background's steps are an element of their own (type "background") before the
            // scenario's, carrying the scenario's tags.
            let entry: &mut Vec<String> = out.entry(id_tags[0].to_owned()).or_default();
            entry.extend(statuses);
            match element["type"].as_str() {
                Some("scenario") => assert!(scenarios.insert(id_tags[0].to_owned()), "{} reported twice", id_tags[0]),
                Some("background") => {}
                other => panic!("element of type {other:?}: {element}"),
            }
        }
    }
    assert_eq!(out.keys().cloned().collect::<BTreeSet<_>>(), scenarios, "a background without its scenario");
    out
}

/// Runs with `--junit` and `--json` into a temporary directory and returns the run and both
/// reports' text.
fn run_with_reports(args: &[&str]) -> (Finished, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("junit.xml");
    let json = dir.path().join("cucumber.json");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--junit", junit.to_str().unwrap(), "--json", json.to_str().unwrap()]);
    let f = run(&all);
    let junit = std::fs::read_to_string(&junit).unwrap_or_else(|e| panic!("no JUnit report: {e}\n{}", f.describe()));
    let json =
        std::fs::read_to_string(&json).unwrap_or_else(|e| panic!("no Cucumber JSON report: {e}\n{}", f.describe()));
    (f, junit, json)
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

#[test]
fn run_without_a_base_url_passes_every_default_scenario_on_the_builtin_reference() {
    let expected = default_selection().len();
    assert!(expected > 0);
    let f = run(&["run"]);
    f.assert_passed(expected);
    assert!(f.verdict().contains("built-in reference target at http://127.0.0.1:"));
}

#[test]
fn run_writes_junit_and_cucumber_json_with_one_entry_per_scenario() {
    let selected = default_selection();
    let (f, junit, json) = run_with_reports(&["run"]);
    f.assert_passed(selected.len());

    let report = parse_junit(&junit);
    assert!(report.suites >= 1, "no <testsuite>\n{junit}");
    assert_eq!(report.cases.len(), selected.len(), "{:#?}", report.cases);
    assert_eq!(report.failures, 0, "{junit}");
    // A case is named `ID: NAME (LEVEL)`, its classname the feature: every case names exactly one
    // selected scenario, by ID, name, level and feature.
    let mut matched = BTreeSet::new();
    for (case, classname) in report.cases.iter().zip(&report.classnames) {
        let hits: Vec<&&Scenario> = selected
            .iter()
            .filter(|s| *case == format!("{}: {} ({})", s.id, s.name, s.level) && *classname == s.feature)
            .collect();
        assert_eq!(hits.len(), 1, "test case {case:?} names {} scenarios", hits.len());
        assert!(matched.insert(hits[0].id.clone()), "{} reported twice", hits[0].id);
    }
    assert_eq!(matched, ids(selected.iter().copied()));

    let scenarios = parse_cucumber_json(&json);
    assert_eq!(scenarios.keys().cloned().collect::<BTreeSet<_>>(), ids(selected.iter().copied()));
    for (id, steps) in &scenarios {
        assert!(steps.iter().all(|s| s == "passed"), "{id} has steps {steps:?}");
    }
}

/// The README promises JUnit test cases "named with its ID tag"; cucumber's JUnit writer names
/// them `Scenario: NAME: PATH:LINE:COL`, so the ID is nowhere in the XML today.
#[test]
fn junit_test_case_names_carry_the_scenario_id() {
    let selected = default_selection();
    let (f, junit, _) = run_with_reports(&["run"]);
    f.assert_code(0);
    let report = parse_junit(&junit);
    for s in selected {
        assert!(
            report.cases.iter().any(|c| c.contains(&s.id)),
            "no JUnit test case names {}: {:#?}",
            s.id,
            report.cases
        );
    }
}

#[test]
fn an_unreachable_target_is_not_judged_and_exits_3() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let f = run(&["run", "--base-url", &url, "--timeout", "2"]);
    f.assert_code(3);
    assert!(f.verdict().starts_with("VERDICT: ERROR"), "{}", f.describe());
}

#[test]
fn a_defective_target_fails_with_exit_1_and_the_failed_scenario_named() {
    let options = ReferenceOptions::default().with_quirk(Quirk::Uem(UemQuirk::BadCaseSensitive));
    let (f, junit, json) =
        with_reference(options, |url| run_with_reports(&["run", "--base-url", url, "--timeout", "10"]));
    f.assert_code(1);
    let verdict = f.verdict();
    assert!(verdict.starts_with("VERDICT: FAIL"), "{}", f.describe());
    assert!(verdict.contains("UEM-QRY-001"), "{}", f.describe());
    // A defect of the account resource fails no Apple scenario.
    assert!(!verdict.contains("APL-"), "{}", f.describe());

    let report = parse_junit(&junit);
    assert!(report.failures >= 1, "JUnit reports no failure\n{junit}");
    let scenarios = parse_cucumber_json(&json);
    let steps = &scenarios["UEM-QRY-001"];
    assert!(steps.iter().any(|s| s == "failed"), "UEM-QRY-001 steps in the Cucumber JSON: {steps:?}");
}

#[test]
fn usage_and_configuration_errors_exit_2_naming_the_option() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "--no-such-flag"], "--no-such-flag"),
        (&["run", "--base-url", "not-a-url"], "--base-url"),
        (&["run", "--base-url", "ftp://x"], "--base-url"),
        (&["run", "--header", "NoColon"], "--header"),
        (&["run", "--tags", "@uem and"], "--tags"),
        (&["run", "--timeout", "0"], "--timeout"),
        (&["run", "--concurrency", "0"], "--concurrency"),
        // A path under a file: no folder can be made there.
        (&["run", "--junit", "/dev/null/x.xml"], "--junit"),
        (&["run", "--json", "/dev/null/x.json"], "--json"),
    ];
    for (args, option) in cases {
        let f = run(args);
        f.assert_code(2);
        assert!(f.stderr.contains(option), "the message must name {option}\n{}", f.describe());
        assert!(!f.stdout.contains("VERDICT"), "a usage error runs nothing\n{}", f.describe());
    }
}

#[test]
fn tag_apple_vpp_runs_only_the_apple_scenarios() {
    let apple: Vec<&Scenario> = default_selection().into_iter().filter(|s| s.has("apple-vpp")).collect();
    assert!(!apple.is_empty());
    let (f, junit, json) = run_with_reports(&["run", "--tags", "@apple-vpp"]);
    f.assert_passed(apple.len());
    assert!(!f.stdout.contains("UEM-"), "{}", f.describe());
    let report = parse_junit(&junit);
    assert_eq!(report.cases.len(), apple.len());
    let apple_features: BTreeSet<&str> = apple.iter().map(|s| s.feature.as_str()).collect();
    assert!(report.classnames.iter().all(|c| apple_features.contains(c.as_str())), "{:#?}", report.classnames);
    let ran: BTreeSet<String> = parse_cucumber_json(&json).into_keys().collect();
    assert_eq!(ran, ids(apple.iter().copied()));
    assert!(ran.iter().all(|id| !id.starts_with("UEM-")), "{ran:?}");
}

#[test]
fn an_id_tag_runs_exactly_that_scenario() {
    assert!(catalog().iter().any(|s| s.id == "UEM-QRY-009"));
    let (f, _, json) = run_with_reports(&["run", "--tags", "@UEM-QRY-009"]);
    f.assert_passed(1);
    let ran: Vec<String> = parse_cucumber_json(&json).into_keys().collect();
    assert_eq!(ran, ["UEM-QRY-009"]);
}

#[test]
fn opt_in_scenarios_run_only_when_a_tag_expression_names_them() {
    let opt_in: Vec<&Scenario> = catalog().iter().filter(|s| s.has("opt-in")).collect();
    assert!(opt_in.iter().any(|s| s.id == "UEM-AUTH-001"), "UEM-AUTH-001 is expected to be @opt-in: {opt_in:#?}");

    let (f, _, json) = run_with_reports(&["run"]);
    f.assert_code(0);
    let ran: BTreeSet<String> = parse_cucumber_json(&json).into_keys().collect();
    assert!(!ran.contains("UEM-AUTH-001"), "{ran:?}");
    assert!(ran.is_disjoint(&ids(opt_in.iter().copied())), "{ran:?}");

    // A tag opt-in scenarios share with the others does not opt in; one only they carry does.
    let (f, _, json) = run_with_reports(&["run", "--tags", "@uem and not @any-data"]);
    f.assert_code(0);
    let ran: BTreeSet<String> = parse_cucumber_json(&json).into_keys().collect();
    assert!(ran.is_disjoint(&ids(opt_in.iter().copied())), "{ran:?}");
    let (_, _, json) = run_with_reports(&["run", "--tags", "@auth"]);
    let ran: BTreeSet<String> = parse_cucumber_json(&json).into_keys().collect();
    assert!(ran.contains("UEM-AUTH-001"), "{ran:?}");

    // The @tenants scenarios need a second tenant to ask (without one they are not run).
    let (f, _, json) = run_with_reports(&["run", "--tags", "@opt-in", "--second-tenant", "SRP00001"]);
    f.assert_passed(opt_in.len());
    let ran: BTreeSet<String> = parse_cucumber_json(&json).into_keys().collect();
    assert_eq!(ran, ids(opt_in.iter().copied()));
}

#[test]
fn uem_base_url_alone_runs_only_the_uem_scenarios() {
    let uem: Vec<&Scenario> = default_selection().into_iter().filter(|s| s.has("uem")).collect();
    assert!(!uem.is_empty());
    let (f, _, json) =
        with_reference(ReferenceOptions::default(), |url| run_with_reports(&["run", "--uem-base-url", url]));
    f.assert_passed(uem.len());
    let ran: BTreeSet<String> = parse_cucumber_json(&json).into_keys().collect();
    assert_eq!(ran, ids(uem.iter().copied()));
    assert!(ran.iter().all(|id| id.starts_with("UEM-")), "{ran:?}");
    // A line for each scenario that runs, and no other.
    let logged: BTreeSet<String> = f.scenario_lines().into_iter().map(|(_, id)| id).collect();
    assert_eq!(logged, ids(uem.iter().copied()), "{}", f.describe());
}

#[test]
fn list_prints_every_scenario_and_list_json_describes_each() {
    let scenarios = catalog();
    assert!(!scenarios.is_empty());
    let mut seen = BTreeSet::new();
    for s in scenarios {
        assert!(!s.id.is_empty(), "{s:?}");
        assert!(seen.insert(s.id.as_str()), "{} is listed twice", s.id);
        assert!(!s.name.is_empty(), "{s:?}");
        assert!(!s.section.is_empty(), "{} has no documentation section", s.id);
        assert!(!s.feature.is_empty(), "{s:?}");
        assert!(s.path.starts_with("features/") && s.path.ends_with(".feature"), "{s:?}");
        assert!(s.has(&s.id), "{}'s tags do not hold its ID: {:?}", s.id, s.tags);
    }

    let f = run(&["list"]);
    f.assert_code(0);
    for s in scenarios {
        assert!(
            f.stdout.lines().any(|l| l.starts_with(&s.id) && l.contains(&s.name) && l.contains(&s.level)),
            "`list` does not show {} {:?}\n{}",
            s.id,
            s.name,
            f.describe()
        );
        assert!(f.stdout.contains(&s.section), "{}", s.section);
    }
    let total = format!("{} scenarios: ", scenarios.len());
    assert!(f.stdout.lines().any(|l| l.starts_with(&total) && l.contains("SHOULD")), "{}", f.describe());
}
