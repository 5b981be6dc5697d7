//! `@any-data` certifies a target whatever accounts it holds: it passes reference targets loaded
//! with generated data sets chosen to be hard (names that differ only in case, commas and
//! backslashes, shared instants, instants a millisecond apart), and fails each defect of the
//! query language and of the account resource on such data.

use crate::support::in_process::{config_for, restore_panic_hook, run_with};
use futures::StreamExt as _;
use serde_json::{Value, json};
use vpp_conformance::config::RunConfig;
use vpp_conformance::reference::UemQuirk as Uem;
use vpp_conformance::reference::{Quirk, ReferenceOptions, ReferenceTarget};
use vpp_conformance::runner::{RunOutcome, Verdict};

const SEED: u64 = 20261123;

fn account(i: usize, name: &str, expiry: &str) -> Value {
    json!({
        "guid": format!("0a0b0c0d-0000-4000-8000-{i:012x}"),
        "name": name,
        "accountHolderInfo": format!("holder {i}"),
        "tokenExpiryDate": expiry,
        "autoUpdateNewAppVersions": i.is_multiple_of(2),
        "token": format!("generated-token-{i:04}-{}", "z".repeat(20)),
    })
}

fn data_set(tenant: &str, accounts: &[(&str, &str)]) -> Value {
    let items: Vec<Value> = accounts.iter().enumerate().map(|(i, (n, d))| account(i + 1, n, d)).collect();
    json!({"tenantGuid": tenant, "vppAccounts": items})
}

/// Names that differ only in case, one that extends another, and one holding the dotted `İ`,
/// whose case mappings disagree.
fn case_twins() -> Value {
    data_set(
        "TENANT-CASE",
        &[
            ("Alpha", "2027-03-01T10:00:00.000Z"),
            ("ALPHA", "2027-03-01T10:00:00.000Z"),
            ("alpha team", "2028-01-01T00:00:00.000Z"),
            ("Ärzte Süd", "2029-05-05T05:05:05.005Z"),
            ("ärzte süd", "2024-01-01T00:00:00.000Z"),
            ("İstanbul Lisesi", "2026-09-09T09:09:09.000Z"),
        ],
    )
}

/// Commas and backslashes in every position.
fn escapes() -> Value {
    data_set(
        "TENANT-ESC",
        &[
            ("Acme, Inc", "2027-01-01T00:00:00.000Z"),
            (r"Acme\Inc", "2027-01-01T00:00:00.000Z"),
            (r"a\,b", "2028-01-01T00:00:00.000Z"),
            (r"ends with\", "2029-01-01T00:00:00.000Z"),
            (",starts with comma", "2030-01-01T00:00:00.000Z"),
            ("Acme", "2031-01-01T00:00:00.000Z"),
        ],
    )
}

/// Instants shared and a millisecond apart.
fn instants() -> Value {
    data_set(
        "TENANT-TIME",
        &[
            ("t0", "2030-06-01T12:00:00.000Z"),
            ("t0 twin", "2030-06-01T12:00:00.000Z"),
            ("t1", "2030-06-01T12:00:00.001Z"),
            ("t2", "2030-06-01T12:00:00.002Z"),
            ("t999", "2030-06-01T12:00:00.999Z"),
            ("next second", "2030-06-01T12:00:01.000Z"),
        ],
    )
}

/// Names whose letter case, written form or look-alikes back ends disagree on (docs/errata.md ›
/// How back ends implement «case-insensitive exact match»): `ß` and `SS`, the Kelvin sign, a
/// name written composed and decomposed, the Turkish `İ` and `ı`, a ligature, and the names a
/// non-conformant back end takes for others (blanks around a name, a full-width digit, `+`, a
/// letter in square brackets, a soft hyphen, the long `ſ`).
fn unicode() -> Value {
    data_set(
        "TENANT-UNICODE",
        &[
            ("Straße Nord", "2027-02-01T00:00:00.000Z"),
            ("STRASSE NORD", "2027-02-01T00:00:00.000Z"),
            ("\u{212A}elvin Lab", "2027-03-01T00:00:00.000Z"),
            ("kelvin lab", "2027-03-01T00:00:00.000Z"),
            ("Caf\u{E9} No\u{EB}l", "2027-04-01T00:00:00.000Z"),
            ("Cafe\u{301} Noe\u{308}l", "2027-04-01T00:00:00.000Z"),
            ("\u{130}zmir Okulu", "2027-05-01T00:00:00.000Z"),
            ("izmir okulu", "2027-05-01T00:00:00.000Z"),
            ("I\u{11F}d\u{131}r Lisesi", "2027-05-02T00:00:00.000Z"),
            ("\u{FB01}le Server", "2027-06-01T00:00:00.000Z"),
            ("FILE SERVER", "2027-06-01T00:00:00.000Z"),
            (" Padded ", "2027-07-01T00:00:00.000Z"),
            ("Padded", "2027-07-01T00:00:00.000Z"),
            ("Beta \u{FF16}", "2027-08-01T00:00:00.000Z"),
            ("Beta 6", "2027-08-01T00:00:00.000Z"),
            ("a+b", "2027-09-01T00:00:00.000Z"),
            ("a b", "2027-09-01T00:00:00.000Z"),
            ("[B]eta", "2027-10-01T00:00:00.000Z"),
            ("Soft\u{AD}hyphen", "2027-11-01T00:00:00.000Z"),
            ("Softhyphen", "2027-11-01T00:00:00.000Z"),
            ("\u{17F}tar", "2027-12-01T00:00:00.000Z"),
            ("Star", "2027-12-01T00:00:00.000Z"),
            // Plain case pairs beyond ASCII, whose letter case is a SHOULD (UEM-ANY-013); a final
            // sigma, which ICU lower-cases by where it stands; `%`, `_` and a trailing space.
            ("\u{C5}LESUND SKOLE", "2028-01-01T00:00:00.000Z"),
            ("\u{E5}lesund skole", "2028-01-01T00:00:00.500Z"),
            ("\u{D8}stfold Sj\u{F8}", "2028-02-01T00:00:00.000Z"),
            ("\u{39F}\u{394}\u{39F}\u{3A3}", "2028-03-01T00:00:00.000Z"),
            ("100% _Done ", "2028-04-01T00:00:00.000Z"),
        ],
    )
}

/// All of the above in one tenant, which every defect below changes an answer on.
fn rich() -> Value {
    let mut items = Vec::new();
    for set in [case_twins(), escapes(), instants()] {
        items.extend(set["vppAccounts"].as_array().unwrap().iter().cloned());
    }
    for (i, a) in items.iter_mut().enumerate() {
        a["guid"] = format!("0a0b0c0d-0000-4000-8000-{:012x}", i + 1).into();
    }
    json!({"tenantGuid": "TENANT-RICH", "vppAccounts": items})
}

async fn any_data_run(data: Value, quirks: Vec<Quirk>, seed: u64) -> (RunOutcome, String) {
    any_data_run_with(data, quirks, |config| RunConfig { seed: Some(seed), ..config }).await
}

/// An `@any-data` run against a reference target serving `data` with `quirks`, its config as
/// `configure` makes it.
async fn any_data_run_with(
    data: Value,
    quirks: Vec<Quirk>,
    configure: impl FnOnce(RunConfig) -> RunConfig,
) -> (RunOutcome, String) {
    let tenant = data["tenantGuid"].as_str().unwrap().to_owned();
    let mut options = ReferenceOptions { accounts: data, ..ReferenceOptions::default() };
    options.quirks = quirks;
    let target = ReferenceTarget::start(options).await.unwrap();
    let config = RunConfig { tags: Some("@any-data and @uem".into()), tenant, ..config_for(&target.url()) };
    run_with(&configure(config)).await
}

fn failures(outcome: &RunOutcome) -> String {
    outcome.failed().map(|s| format!("{}: {}", s.id, s.reason().unwrap_or_default())).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_generated_data_sets() {
    let sets = vec![
        ("case twins", case_twins()),
        ("escapes", escapes()),
        ("instants", instants()),
        ("rich", rich()),
        ("unicode", unicode()),
    ];
    for (label, data) in sets {
        for seed in [SEED, 1, 42] {
            let (outcome, stdout) = any_data_run(data.clone(), vec![], seed).await;
            assert!(outcome.passed(), "{label}, seed {seed}:\n{}\n{stdout}", failures(&outcome));
            assert!(outcome.scenarios.len() >= 10, "{label}: {} scenarios ran", outcome.scenarios.len());
            assert!(stdout.contains(&format!("(seed {seed})")), "the seed is printed");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_the_canonical_data_set_and_benign_variations() {
    let canonical = vpp_conformance::catalog::accounts_fixture().clone();
    let benign = vec![
        Quirk::Uem(Uem::OkReversedOrder),
        Quirk::Uem(Uem::OkExtraFields),
        Quirk::Uem(Uem::OkCharsetParameter),
        Quirk::Uem(Uem::OkDatesWithOffset),
        Quirk::Uem(Uem::OkUppercaseGuids),
    ];
    let (outcome, stdout) = any_data_run(canonical, benign, SEED).await;
    assert!(outcome.passed(), "{}\n{stdout}", failures(&outcome));
}

/// The other readings of "case-insensitive" (Unicode simple and full case folding) and a
/// comparison of code points (no normalisation) pass on the names they disagree on, by default
/// and under --strict, with every probe asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_benign_foldings_on_the_names_they_disagree_on() {
    let benign = [None, Some(Uem::OkNoNormalization), Some(Uem::OkSimpleCaseFolding), Some(Uem::OkFullCaseFolding)];
    let runs = futures::stream::iter(benign.into_iter().flat_map(|q| [(q.clone(), false), (q, true)]))
        .map(|(quirk, strict)| async move {
            let quirks = quirk.iter().cloned().map(Quirk::Uem).collect();
            let (outcome, stdout) = any_data_run_with(unicode(), quirks, |config| RunConfig {
                seed: Some(SEED),
                strict,
                max_requests: 1000,
                ..config
            })
            .await;
            (quirk, strict, outcome, stdout)
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    restore_panic_hook();
    for (quirk, strict, outcome, stdout) in runs {
        assert!(outcome.passed(), "{quirk:?}, strict {strict}:\n{}\n{stdout}", failures(&outcome));
        let not_met: Vec<&str> = outcome.not_met().map(|s| s.id.as_str()).collect();
        assert!(not_met.is_empty(), "{quirk:?}, strict {strict}: not met {not_met:?}\n{stdout}");
    }
}

/// A value decoded twice turns the `+` of a listed name into a space: the name itself, asked as it
/// is, does not find its account (on `rich()`, whose names hold no `+`, UEM-ANY-003's `+` for a
/// space catches the same defect).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_name_holding_a_plus_finds_its_account() {
    let (outcome, stdout) = any_data_run(unicode(), vec![Quirk::Uem(Uem::BadPlusAsSpace)], SEED).await;
    let s = outcome.scenario("UEM-ANY-002").expect("ran");
    let reason = s.reason().unwrap_or_default();
    assert_eq!(s.verdict(), Verdict::Failed, "{stdout}");
    assert!(reason.contains("query=name=a+b → expected [0a0b0c0d-0000-4000-8000-000000000010]"), "{reason}");
}

/// A target that demands a query is still certified: the listing falls back to date queries,
/// with a warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn falls_back_with_a_warning_when_a_query_is_required() {
    let (outcome, stdout) = any_data_run(rich(), vec![Quirk::Uem(Uem::OkQueryRequired)], SEED).await;
    assert!(outcome.passed(), "{}\n{stdout}", failures(&outcome));
    let warned = outcome.scenarios.iter().flat_map(|s| &s.warnings).any(|w| w.contains("GET without a query"));
    assert!(warned, "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fails_each_defect_in_the_scenario_that_covers_it() {
    let defects: Vec<(Uem, &str, &str)> = vec![
        (Uem::BadCaseSensitive, "UEM-ANY-002", "case-insensitive"),
        (Uem::BadSubstringMatch, "UEM-ANY-003", "exact match"),
        (Uem::BadPrefixMatch, "UEM-ANY-003", "exact match"),
        (Uem::BadOrInsteadOfAnd, "UEM-ANY-007", "comma means AND"),
        (Uem::BadEscapesIgnored, "UEM-ANY-004", "escaped"),
        (Uem::BadGtInclusive, "UEM-ANY-005", "tokenExpiryDate>"),
        (Uem::BadGeExclusive, "UEM-ANY-005", "tokenExpiryDate>="),
        (Uem::BadLtInclusive, "UEM-ANY-005", "tokenExpiryDate<"),
        (Uem::BadLeExclusive, "UEM-ANY-005", "tokenExpiryDate<="),
        (Uem::BadSecondPrecision, "UEM-ANY-005", "to the millisecond"),
        (Uem::BadQueryIgnored, "UEM-ANY-002", "received"),
        (Uem::BadQueryIgnored, "UEM-ANY-008", "empty"),
        (Uem::BadEmptyAs404, "UEM-ANY-008", "HTTP 404"),
        (Uem::BadUnknownGuidFound, "UEM-ANY-010", "HTTP 200"),
        (Uem::BadListMediaType, "UEM-ANY-002", "Content-Type"),
        (Uem::BadAccountMediaType, "UEM-ANY-009", "application/vnd.blackberry.vppaccount-v1+json"),
        (Uem::BadGetDisagrees, "UEM-ANY-009", "accountHolderInfo"),
        (Uem::BadFieldMissing("guid".into()), "UEM-ANY-001", "guid"),
        (Uem::BadLikeWildcards, "UEM-ANY-003", "exact match"),
        (Uem::BadLastCriterionWins, "UEM-ANY-006", "minimum and a maximum"),
        (Uem::BadLastCriterionWins, "UEM-ANY-007", "comma means AND"),
        (Uem::BadGuidPrefix, "UEM-ANY-010", "HTTP 200"),
        (Uem::BadFieldMissing("accountHolderInfo".into()), "UEM-ANY-012", "no (or a null) accountHolderInfo"),
        // What back ends take for "case-insensitive exact match" (docs/errata.md › How back ends…).
        (Uem::BadLikeWildcards, "UEM-ANY-004", r"query=name=Acme\\Inc → expected ["),
        (Uem::BadAccentInsensitive, "UEM-ANY-003", "query=name=Arzte Süd → expected []"),
        (Uem::BadTrailingSpacesIgnored, "UEM-ANY-003", "query=name=Acme‹U+0020› → expected []"),
        (Uem::BadValuesTrimmed, "UEM-ANY-003", "query=name=Acme‹U+0020› → expected []"),
        (Uem::BadPlusAsSpace, "UEM-ANY-003", "query=name=alpha+team → expected []"),
        (Uem::BadTurkishLowerCase, "UEM-ANY-002", r"query=name=ACME\, INC → expected ["),
        (Uem::BadCompatibilityFolded, "UEM-ANY-003", "query=name=ä\u{FF52}zte süd → expected []"),
        (Uem::BadIgnorableCharacters, "UEM-ANY-003", "query=name=AL‹U+00AD›PHA → expected []"),
        (Uem::BadSharpSAsS, "UEM-ANY-003", "query=name=next ßecond → expected []"),
        (Uem::BadLikeBrackets, "UEM-ANY-003", "query=name=[A]cme → expected []"),
        // Verdicts that hold on real back ends (issue 33).
        (Uem::BadAsciiCaseFold, "UEM-ANY-013", "query=name=äRZTE sÜD → expected ["),
        (Uem::BadTwoFoldingRules, "UEM-ANY-002", "query=name=İstanbul Lisesi → expected ["),
        (Uem::BadDatesComparedAsText, "UEM-ANY-005", "(the same as query=tokenExpiryDate"),
    ];
    let total = defects.len();
    let results = futures::stream::iter(defects)
        .map(|(quirk, id, phrase)| async move {
            // The scenario that covers it, alone (the defect is the target's, whatever else runs).
            let only = |config| RunConfig { seed: Some(SEED), tags: Some(format!("@{id}")), ..config };
            let (outcome, stdout) = any_data_run_with(rich(), vec![Quirk::Uem(quirk.clone())], only).await;
            (quirk, id, phrase, outcome, stdout)
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    restore_panic_hook();
    let mut problems = Vec::new();
    for (quirk, id, phrase, outcome, _stdout) in &results {
        match outcome.scenario(id) {
            Some(s) if s.verdict() == Verdict::Failed => {
                let reason = s.reason().unwrap_or_default();
                if !reason.contains(phrase) {
                    problems.push(format!("{quirk:?}: {id}'s reason lacks {phrase:?}:\n{reason}"));
                }
                if reason.contains("queries broke") && !reason.contains(&format!("--seed {SEED}")) {
                    problems.push(format!("{quirk:?}: {id}'s reason does not say how to repeat it"));
                }
            }
            Some(_) => problems.push(format!("{quirk:?}: {id} passed; failed: {}", failures(outcome))),
            None => problems.push(format!("{quirk:?}: {id} did not run")),
        }
    }
    assert!(problems.is_empty(), "{} of {total} went wrong:\n{}", problems.len(), problems.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_asks_the_same_queries() {
    let (a, _) = any_data_run(rich(), vec![Quirk::Uem(Uem::BadGtInclusive)], 7).await;
    let (b, _) = any_data_run(rich(), vec![Quirk::Uem(Uem::BadGtInclusive)], 7).await;
    let reason = |o: &RunOutcome| o.scenario("UEM-ANY-005").and_then(|s| s.reason()).unwrap_or_default();
    let strip_ports = |s: String| s.lines().filter(|l| !l.contains("127.0.0.1")).collect::<Vec<_>>().join("\n");
    assert!(!reason(&a).is_empty());
    assert_eq!(strip_ports(reason(&a)), strip_ports(reason(&b)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_budget_bounds_each_scenario() {
    let data = rich();
    let target = ReferenceTarget::start(ReferenceOptions {
        accounts: data.clone(),
        quirks: vec![Quirk::Uem(Uem::BadQueryIgnored)],
        ..ReferenceOptions::default()
    })
    .await
    .unwrap();
    let config = RunConfig {
        tags: Some("@UEM-ANY-005".into()),
        tenant: "TENANT-RICH".into(),
        seed: Some(SEED),
        max_requests: 3,
        ..config_for(&target.url())
    };
    let (outcome, _) = run_with(&config).await;
    let reason = outcome.scenario("UEM-ANY-005").and_then(|s| s.reason()).unwrap_or_default();
    assert!(reason.contains("of 3 date bound queries"), "{reason}");
}

/// What the data gives nothing to check is coverage, reported apart from findings about the
/// target: a tenant without a comma or a backslash in any name has no escaped name to ask.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_to_check_is_coverage_not_a_warning() {
    let (outcome, stdout) = any_data_run(case_twins(), vec![], SEED).await;
    assert!(outcome.passed(), "{}\n{stdout}", failures(&outcome));
    let escaped = outcome.scenario("UEM-ANY-004").expect("ran");
    assert!(escaped.coverage.iter().any(|c| c.contains("no escaped name query")), "{escaped:#?}");
    assert!(escaped.warnings.iter().all(|w| !w.contains("nothing checked")), "{escaped:#?}");
    assert!(stdout.contains("Coverage (what the target's data gave nothing to check"), "{stdout}");
}

/// A tenant whose list is larger than the run's body cap is not failed: its scenarios are not
/// judged (ERROR), saying the cap is the run's limit and how to raise it, and no warning blames
/// the target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_over_the_body_cap_is_the_runs_limit_not_the_targets_defect() {
    let target =
        ReferenceTarget::start(ReferenceOptions { accounts: rich(), ..ReferenceOptions::default() }).await.unwrap();
    let config = RunConfig {
        tags: Some("@any-data and @uem".into()),
        tenant: "TENANT-RICH".into(),
        seed: Some(SEED),
        max_body_bytes: 1024,
        ..config_for(&target.url())
    };
    let (outcome, stdout) = run_with(&config).await;
    let any: Vec<_> = outcome.scenarios.iter().filter(|s| s.id.starts_with("UEM-ANY")).collect();
    assert!(!any.is_empty());
    for s in &any {
        let reason = s.reason().unwrap_or_default();
        assert_eq!(s.verdict(), Verdict::Error, "{}: {reason}", s.id);
        assert!(reason.contains("no defect of the target") && reason.contains("--max-body-size"), "{reason}");
    }
    assert!(outcome.failed().next().is_none(), "nothing is failed for the run's own limit\n{stdout}");
    assert!(!stdout.contains("the documentation does not say it must"), "{stdout}");
}

/// A defect met for every account is shown with a few examples and a count, not once per account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_by_guid_differences_are_capped_with_a_count() {
    let (outcome, _) = any_data_run(rich(), vec![Quirk::Uem(Uem::BadGetDisagrees)], SEED).await;
    let s = outcome.scenario("UEM-ANY-009").expect("ran");
    let reason = s.reason().unwrap_or_default();
    let accounts = rich()["vppAccounts"].as_array().unwrap().len();
    assert!(reason.contains(&format!("{accounts} differences, the first 8 shown")), "{reason}");
    assert_eq!(reason.matches(".accountHolderInfo:").count(), 8, "{reason}");
}
