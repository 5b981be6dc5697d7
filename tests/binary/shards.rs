//! Large runs split and put back together: `--shard I/N` deals the selection into N parts, every
//! scenario in exactly one; `merge` makes the parts' Cucumber JSON into one verdict and one sealed
//! report, the same as the unsharded run's, and refuses runs that cannot be one certificate;
//! `--only-failed` reruns only what an earlier run did not pass.

use crate::support::binary;
use crate::support::in_process::{config_for, run_with};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use vpp_conformance::config::{Expectations, RunConfig, Shard};
use vpp_conformance::reference::UemQuirk as Uem;
use vpp_conformance::reference::{Quirk, ReferenceOptions, ReferenceTarget};
use vpp_conformance::report::verify::{self, Verification};

const LIMIT: Duration = Duration::from_secs(120);

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

async fn defective() -> ReferenceTarget {
    ReferenceTarget::start(ReferenceOptions::default().with_quirk(Quirk::Uem(Uem::BadCaseSensitive))).await.unwrap()
}

fn expectations(dir: &Path, reason: &str) -> Expectations {
    let path = dir.join(format!("exp-{}.toml", reason.len()));
    std::fs::write(
        &path,
        format!("[[waiver]]\nscenario = \"UEM-QRY-002\"\nexpect = \"flaky\"\nreason = \"{reason}\"\n"),
    )
    .unwrap();
    Expectations::load(&path).unwrap()
}

fn ids(outcome: &vpp_conformance::runner::RunOutcome) -> BTreeSet<String> {
    outcome.scenarios.iter().map(|s| s.id.clone()).collect()
}

/// The rows with each response time (`in 2ms`) blanked: two runs answer at their own pace.
fn untimed(rows: &[vpp_conformance::report::Row]) -> Vec<vpp_conformance::report::Row> {
    fn blank(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find(" in ") {
            out.push_str(&rest[..at + 4]);
            rest = &rest[at + 4..];
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            let unit = rest[digits..].chars().take_while(|c| c.is_alphabetic()).map(char::len_utf8).sum::<usize>();
            if digits > 0 && unit > 0 {
                out.push('_');
                rest = &rest[digits + unit..];
            }
        }
        out.push_str(rest);
        out
    }
    rows.iter().map(|r| vpp_conformance::report::Row { reason: r.reason.as_deref().map(blank), ..r.clone() }).collect()
}

/// `merge` in process, unsigned.
fn merge(
    files: &[PathBuf],
    reports: &[PathBuf],
    out: &mut Vec<u8>,
) -> Result<vpp_conformance::runner::RunOutcome, String> {
    let request = vpp_conformance::app::MergeRequest { files, reports, allure: None, sign_key: None, public_key: None };
    vpp_conformance::app::merge(request, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_shards_merged_give_the_verdict_and_rows_of_the_unsharded_run() {
    let target = defective().await;
    let dir = tempfile::tempdir().unwrap();
    let base = RunConfig {
        seed: Some(11),
        expectations: Some(expectations(dir.path(), "case folding is configurable")),
        ..config_for(&target.url())
    };
    let whole_report = dir.path().join("whole.html");
    let (whole, _) = run_with(&RunConfig { reports: vec![whole_report.clone()], ..base.clone() }).await;
    assert!(!whole.passed(), "the defect fails the unsharded run");

    let mut files: Vec<PathBuf> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for index in 1..=3 {
        let json = dir.path().join(format!("shard-{index}.json"));
        let config = RunConfig { shard: Some(Shard { index, total: 3 }), json: Some(json.clone()), ..base.clone() };
        let (part, stdout) = run_with(&config).await;
        assert!(stdout.contains(&format!("shard {index}/3: ")), "the run says which part it is:\n{stdout}");
        let part_ids = ids(&part);
        assert!(!part_ids.is_empty());
        assert!(seen.is_disjoint(&part_ids), "a scenario in two shards: {:?}", seen.intersection(&part_ids));
        seen.extend(part_ids);
        files.push(json);
    }
    assert_eq!(seen, ids(&whole), "every scenario of the selection in exactly one shard");

    // In process, then through the binary, signed.
    let merged_report = dir.path().join("merged.html");
    let mut out = Vec::new();
    let merged = merge(&files, std::slice::from_ref(&merged_report), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(merged.passed(), whole.passed(), "{out}");
    assert!(out.contains("VERDICT: FAIL"), "{out}");
    let data = |p: &Path| vpp_conformance::report::html::extract(&std::fs::read_to_string(p).unwrap()).unwrap().data;
    let (a, b) = (data(&whole_report), data(&merged_report));
    assert_eq!(a.verdict, b.verdict);
    for (x, y) in untimed(&a.rows).iter().zip(untimed(&b.rows).iter()) {
        assert_eq!(x, y, "the same rows, reasons included (response times aside)");
    }
    assert_eq!(a.rows.len(), b.rows.len());
    assert_eq!(a.expectations, b.expectations, "the same waivers, sealed");
    assert_eq!((a.target.as_str(), a.seed, a.tags.as_deref()), (b.target.as_str(), b.seed, b.tags.as_deref()));

    let bin_report = dir.path().join("bin.html");
    let mut args = vec!["merge"];
    args.extend(files.iter().map(|f| s(f)));
    args.extend(["--report", s(&bin_report)]);
    let run = binary::run(&args, LIMIT);
    assert_eq!(run.code, Some(1), "a failing merged run exits 1\n{}", run.describe());
    assert!(run.stdout.contains("Merged 3 run(s)"), "{}", run.describe());
    let text = std::fs::read_to_string(&bin_report).unwrap();
    assert!(matches!(verify::verify(&text, None), Verification::Intact { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_refuses_other_versions_other_expectations_and_disagreeing_overlaps() {
    let target = defective().await;
    let good = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tags = Some("@uem and not @any-data".to_owned());
    let json = |name: &str| dir.path().join(name);
    let run = |url: String, name: &str, exp: Option<Expectations>| RunConfig {
        tags: tags.clone(),
        seed: Some(2),
        json: Some(json(name)),
        expectations: exp,
        ..config_for(&url)
    };
    run_with(&run(target.url(), "bad.json", Some(expectations(dir.path(), "one reason")))).await;
    run_with(&run(good.url(), "good.json", Some(expectations(dir.path(), "one reason")))).await;
    run_with(&run(target.url(), "other.json", Some(expectations(dir.path(), "another reason")))).await;
    let text = std::fs::read_to_string(json("bad.json")).unwrap();
    let marker = format!("\"suite_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&marker));
    std::fs::write(json("old.json"), text.replace(&marker, "\"suite_version\": \"0.0.1\"")).unwrap();

    for (pair, says) in [
        (["bad.json", "old.json"], "another suite version"),
        (["bad.json", "other.json"], "different selections (expectations"),
        (["bad.json", "good.json"], "in the selections of both"),
        (["bad.json", "bad.json"], "the set holds it twice"),
    ] {
        let files: Vec<PathBuf> = pair.iter().map(|n| json(n)).collect();
        let err = merge(&files, &[], &mut Vec::new()).unwrap_err();
        assert!(err.contains(says), "{pair:?}: {err}");
        let run = binary::run(&["merge", s(&files[0]), s(&files[1])], LIMIT);
        assert_eq!(run.code, Some(2), "{}", run.describe());
        assert!(run.stderr.contains(says) && run.stderr.contains(pair[1]), "{}", run.describe());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_shard_is_no_error_and_says_so() {
    let good = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("empty.json");
    let config = RunConfig {
        tags: Some("@APL-CFG-001 or @APL-CFG-002".into()),
        shard: Some(Shard { index: 3, total: 3 }),
        json: Some(json.clone()),
        ..config_for(&good.url())
    };
    let (outcome, stdout) = run_with(&config).await;
    assert!(outcome.passed() && outcome.scenarios.is_empty(), "{stdout}");
    assert!(
        stdout.contains("shard 3/3: 0 of the 2 selected scenarios") && stdout.contains("nothing to run"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&json).unwrap();
    let part = vpp_conformance::report::merge::read("empty.json", &text).unwrap();
    assert!(part.facts.results.is_empty() && part.facts.part.is_some(), "an empty part still says what it is: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_failed_sends_only_the_failed_scenarios_requests() {
    let target = defective().await;
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    let (outcome, _) =
        run_with(&RunConfig { seed: Some(4), json: Some(first.clone()), ..config_for(&target.url()) }).await;
    let not_passed: BTreeSet<String> = outcome
        .scenarios
        .iter()
        .filter(|s| s.verdict() != vpp_conformance::runner::Verdict::Passed)
        .map(|s| s.id.clone())
        .collect();
    assert!(not_passed.contains("UEM-QRY-001") && not_passed.len() < outcome.scenarios.len() / 2, "{not_passed:?}");

    let proxy = crate::support::proxy::http_proxy().await;
    let again = dir.path().join("again.json");
    let url = target.url();
    let run = binary::run_env_async(
        &[("HTTP_PROXY", &proxy.url)],
        &["run", "--base-url", &url, "--seed", "4", "--only-failed", s(&first), "--json", s(&again)],
        LIMIT,
    )
    .await;
    assert_eq!(run.code, Some(1), "the defect is still there\n{}", run.describe());
    let rerun = vpp_conformance::report::diff::parse_cucumber_json(&std::fs::read_to_string(&again).unwrap()).unwrap();
    let rerun_ids: BTreeSet<String> = rerun.scenarios.keys().cloned().collect();
    assert_eq!(rerun_ids, not_passed, "only what did not pass ran\n{}", run.describe());
    let requests = proxy.requests();
    assert!(!requests.is_empty(), "the requests went through the proxy");
    assert!(
        requests.iter().all(|r| !r.contains("/mdm/VPPServiceConfigSrv")),
        "no request of a passed (Apple VPP) scenario: {requests:?}"
    );
    assert!(run.stdout.contains("--only-failed: "), "{}", run.describe());
}

// ---------------------------------------------------------------------------------------------
// What a certification body tries: incomplete, mixed, edited and unsigned sets
// ---------------------------------------------------------------------------------------------

/// A small selection of both APIs, quick to run in three shards.
const SMALL: &str = "@apple-vpp or @UEM-QRY-001 or @UEM-QRY-002 or @UEM-QRY-003";

/// One part of a run of `SMALL` against `url` into `dir/name`, signed when `key` is given.
async fn part(
    url: &str,
    dir: &Path,
    name: &str,
    shard: Option<(usize, usize)>,
    tune: impl FnOnce(&mut RunConfig),
) -> PathBuf {
    let json = dir.join(name);
    let mut config = RunConfig {
        tags: Some(SMALL.into()),
        seed: Some(7),
        shard: shard.map(|(index, total)| Shard { index, total }),
        json: Some(json.clone()),
        ..config_for(url)
    };
    tune(&mut config);
    run_with(&config).await;
    json
}

/// An Ed25519 key pair in `dir`: the private key's file and the public key's.
fn key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let key = ed25519_dalek::SigningKey::from_bytes(&[name.len() as u8 + 7; 32]);
    let (private, public) = (dir.join(format!("{name}.pem")), dir.join(format!("{name}.pub.pem")));
    std::fs::write(&private, key.to_pkcs8_pem(Default::default()).unwrap().as_bytes()).unwrap();
    std::fs::write(&public, key.verifying_key().to_public_key_pem(Default::default()).unwrap()).unwrap();
    (private, public)
}

fn merge_with(files: &[PathBuf], public_key: Option<&Path>) -> Result<vpp_conformance::runner::RunOutcome, String> {
    let request = vpp_conformance::app::MergeRequest { files, reports: &[], allure: None, sign_key: None, public_key };
    vpp_conformance::app::merge(request, &mut Vec::new())
}

/// `merge` through the binary exits 2, saying `says`.
fn assert_refused(files: &[&PathBuf], says: &str) {
    let mut args = vec!["merge"];
    args.extend(files.iter().map(|f| s(f)));
    let run = binary::run(&args, LIMIT);
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(run.stderr.contains(says), "the refusal says {says:?}:\n{}", run.describe());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_certifies_only_a_complete_set_of_one_selection() {
    let good = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let other = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (url, elsewhere) = (good.url(), other.url());
    let p1 = part(&url, d, "1of3.json", Some((1, 3)), |_| {}).await;
    let p2 = part(&url, d, "2of3.json", Some((2, 3)), |_| {}).await;
    let p3 = part(&url, d, "3of3.json", Some((3, 3)), |_| {}).await;
    let p2of4 = part(&url, d, "2of4.json", Some((2, 4)), |_| {}).await;
    let uem_only = part(&url, d, "uem2of3.json", Some((2, 3)), |c| c.tags = Some("@uem".into())).await;
    let other_host = part(&elsewhere, d, "host2of3.json", Some((2, 3)), |_| {}).await;
    let other_seed = part(&url, d, "seed2of3.json", Some((2, 3)), |c| c.seed = Some(8)).await;

    let complete = merge_with(&[p1.clone(), p2.clone(), p3.clone()], None).expect("a complete set merges");
    assert!(complete.passed());
    assert_eq!(complete.scenarios.len(), complete.selection.scenarios.len());
    assert_refused(&[&p1, &p3], "shard(s) 2/3 of the selection");
    assert_refused(&[&p1, &p2of4, &p3], "split it the same way");
    assert_refused(&[&p1, &uem_only, &p3], "different selections (tags");
    assert_refused(&[&p1, &other_host, &p3], "are missing");
    assert_refused(&[&p1, &other_seed, &p3], "different selections (--seed");
    assert_refused(&[&p1, &p2, &p2, &p3], "are both shard 2/3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apple_and_uem_halves_run_against_different_hosts_merge_into_one_certificate() {
    let apple_host = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let uem_host = ReferenceTarget::start(ReferenceOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let apple = part("", dir.path(), "apple.json", None, |c| {
        c.uem_base_url = None;
        c.vpp_base_url = Some(apple_host.url());
    })
    .await;
    let uem = part("", dir.path(), "uem.json", None, |c| {
        c.vpp_base_url = None;
        c.uem_base_url = Some(uem_host.url());
    })
    .await;
    let merged = merge_with(&[apple.clone(), uem.clone()], None).expect("the halves merge");
    let ids: BTreeSet<&str> = merged.scenarios.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), merged.scenarios.len(), "each scenario once");
    assert!(ids.iter().any(|i| i.starts_with("APL-")) && ids.iter().any(|i| i.starts_with("UEM-")));
    assert!(merged.passed());
    assert_refused(&[&apple, &uem, &apple], "holds it twice");
}

/// A copy of a run's file, edited.
fn edit(path: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut json);
    let edited = path.with_file_name(name);
    std::fs::write(&edited, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    edited
}

/// The facts' results of the failed scenarios of a file.
fn failed_results(json: &mut serde_json::Value) -> impl Iterator<Item = &mut serde_json::Value> {
    let results = json[0]["vpp-conformance"]["results"].as_array_mut().unwrap();
    results.iter_mut().filter(|r| r["status"] == "fail")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edited_parts_are_refused_and_signed_parts_are_proved_unaltered() {
    let target = defective().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (private, public) = key_pair(d, "issuer");
    let (_, stranger) = key_pair(d, "someone-else");
    let url = target.url();
    let sign = |c: &mut RunConfig| c.sign_key = Some(d.join("issuer.pem"));
    let p1 = part(&url, d, "1.json", Some((1, 2)), sign).await;
    let p2 = part(&url, d, "2.json", Some((2, 2)), sign).await;
    let _ = private;
    // The failing scenario is in one of the two parts.
    let failing = [&p1, &p2]
        .into_iter()
        .find(|p| std::fs::read_to_string(p).unwrap().contains("\"status\": \"fail\""))
        .expect("a part with a failure")
        .clone();
    let passing = if failing == p1 { p2.clone() } else { p1.clone() };

    // Unsigned merge of the real parts: a FAIL, and the certificate says the parts were not signed.
    let out = {
        let mut out = Vec::new();
        let request = vpp_conformance::app::MergeRequest {
            files: &[p1.clone(), p2.clone()],
            reports: &[],
            allure: None,
            sign_key: None,
            public_key: None,
        };
        assert!(!vpp_conformance::app::merge(request, &mut out).unwrap().passed());
        String::from_utf8(out).unwrap()
    };
    assert!(out.contains("not signed"), "{out}");
    // Signed and verified.
    let merged = merge_with(&[p1.clone(), p2.clone()], Some(&public)).expect("signed parts merge");
    assert!(!merged.passed());

    // The status turned to pass: the classifier disagrees with how it ended.
    let status_only =
        edit(&failing, "status-only.json", |j| failed_results(j).for_each(|r| r["status"] = "pass".into()));
    assert_refused(&[&passing, &status_only], "the facts were edited");
    // The ending and the status turned to passed, consistently: the Cucumber steps still fail.
    let both = edit(&failing, "both.json", |j| {
        for r in failed_results(j) {
            r["status"] = "pass".into();
            r["ended"] = serde_json::json!({"verdict": "passed"});
        }
    });
    assert_refused(&[&passing, &both], "its Cucumber steps show it failed");
    // The steps only: they disagree with the facts.
    let steps_only = edit(&failing, "steps-only.json", |j| {
        for f in j.as_array_mut().unwrap() {
            for e in f["elements"].as_array_mut().unwrap() {
                for st in e["steps"].as_array_mut().unwrap() {
                    st["result"]["status"] = "passed".into();
                }
            }
        }
    });
    assert_refused(&[&passing, &steps_only], "the file was edited");
    // Edited steps and facts together pass the unsigned checks, never the signature.
    let all = edit(&both, "all.json", |j| {
        for f in j.as_array_mut().unwrap() {
            for e in f["elements"].as_array_mut().unwrap() {
                for st in e["steps"].as_array_mut().unwrap() {
                    st["result"]["status"] = "passed".into();
                }
            }
        }
    });
    let unsigned = merge_with(&[passing.clone(), all.clone()], None);
    assert!(unsigned.as_ref().is_ok_and(|o| o.passed()), "unsigned, it cannot tell: {:?}", unsigned.err());
    let err = merge_with(&[passing.clone(), all], Some(&public)).unwrap_err();
    assert!(err.contains("altered after they were signed"), "{err}");
    // Another key, or an unsigned part, is refused under --public-key.
    let err = merge_with(&[p1.clone(), p2.clone()], Some(&stranger)).unwrap_err();
    assert!(err.contains("not signed by this public key"), "{err}");
    let unsigned = part(&url, d, "unsigned-2.json", Some((2, 2)), |_| {}).await;
    let err = merge_with(&[p1.clone(), unsigned], Some(&public)).unwrap_err();
    assert!(err.contains("not signed"), "{err}");
    // The binary says so too, and names the file.
    let run = binary::run(&["merge", s(&p1), s(&p2), "--public-key", s(&stranger)], LIMIT);
    assert_eq!(run.code, Some(2), "{}", run.describe());
}
