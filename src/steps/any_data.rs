//! `@any-data` steps: list what the target holds, derive probes from it by the documented rules,
//! ask them (concurrently, within the request budget) and compare with the oracle's answers.

use super::common::request_url;
use super::listing::Gathered;
pub use super::listing::Listing;
use super::{StepFn, StepResult, VppWorld, arg};
use crate::catalog::{ACCOUNT_MEDIA_TYPE, LIST_MEDIA_TYPE};
use crate::checks::probes::{self, Answer, Family, Probe};
use crate::checks::query_oracle::{Expected, Oracle};
use crate::checks::{Findings, accounts, code_points, schema};
use crate::http::Exchange;
use crate::outcome::{Failure, FailureKind, TransportError, TransportKind, Withheld};
use crate::steps::world::withheld;
use cucumber::step::Context;
use futures::StreamExt as _;
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::Arc;

pub const GIVEN: &[(&str, StepFn)] = &[(r"^the client lists every account of the tenant$", step!(lists_every_account))];

pub const THEN: &[(&str, StepFn)] = &[
    (r#"^every listed account is valid against the schema "([^"]+)"$"#, step!(every_listed_account_valid)),
    (r"^every listed account carries every documented field, with a value$", step!(every_documented_field_present)),
    (
        r"^every (.+) query derived from the listed accounts finds exactly the accounts the documentation says$",
        step!(probes_hold),
    ),
    (r"^GET by each listed GUID answers that account as the documented media type$", step!(get_by_each_guid)),
    (
        r"^GET by a GUID next to a listed one answers 404, and by one cut short 400 or 404, neither with account data$",
        step!(unlisted_guid_is_404),
    ),
    (r"^every listed expiry date is written as the documentation writes dates$", step!(dates_in_documented_form)),
];

/// Failures shown in full; the rest are counted.
const SHOWN_FAILURES: usize = 8;

/// Queries that find "what queries can find": every account with an expiry on either side of
/// 1970. They are always asked, since the documentation does not say what a list without a query
/// returns (everything, a page, or a refusal).
const GATHERING_QUERIES: [&str; 2] =
    ["tokenExpiryDate>=1970-01-01T00:00:00.000Z", "tokenExpiryDate<1970-01-01T00:00:00.000Z"];

fn list_url(w: &VppWorld, query: Option<&str>) -> String {
    match query {
        Some(q) => request_url(w, &format!("/SRP00000/api/v1/vppAccounts?query={q}")),
        None => request_url(w, "/SRP00000/api/v1/vppAccounts"),
    }
}

/// Why a list request gave no accounts.
enum Unlisted {
    /// Not judged on an answer of its own: the run stopped, or the target is down.
    Withheld(Withheld),
    /// No usable answer.
    Transport(TransportError),
    /// An answer that lists nothing (a status, a body that is no list).
    Answer(String),
}

impl Unlisted {
    fn text(&self) -> String {
        match self {
            Unlisted::Withheld(n) => n.to_string(),
            Unlisted::Transport(e) => e.text.clone(),
            Unlisted::Answer(why) => why.clone(),
        }
    }
}

/// Each account of a list response, read from its body, or why there are none.
fn each_listed(exchange: &Exchange, mut each: impl FnMut(&RawValue)) -> Result<(), Unlisted> {
    if let Some(why) = &exchange.withheld {
        return Err(Unlisted::Withheld(why.clone()));
    }
    let reply = match exchange.reply() {
        Ok(reply) => reply,
        Err(e) if e.kind == TransportKind::BodyOverCap => {
            let text = format!(
                "the tenant's list of accounts is larger than this run's --max-body-size, a limit of the run and \
                 no defect of the target, so it could not be judged ({})",
                e.text
            );
            return Err(Unlisted::Transport(TransportError { text, ..e }));
        }
        Err(e) => return Err(Unlisted::Transport(e)),
    };
    if reply.status != 200 {
        return Err(Unlisted::Answer(format!("HTTP {}", reply.status)));
    }
    accounts::listed_raw(&reply.body).map_err(Unlisted::Answer)?.into_iter().for_each(&mut each);
    Ok(())
}

/// Lists the tenant's accounts: the gathering queries, which between them find every account
/// with an expiry, and a list without a query (when the target answers one), whose accounts the
/// others did not find are added; the three are asked at once (the lists with all accounts in
/// flight together: about one list's body more at the peak, 141 MB against 138 at 50 000
/// accounts), then read in turn, each body let go once read, and only the accounts not yet
/// gathered are kept. A tenant with no account cannot be certified: that fails, rather than
/// passing every rule for want of data.
async fn gather(w: &VppWorld) -> Listing {
    let client = w.ctx().client.clone();
    let mut listing = Listing::default();
    let mut gathered = Gathered::default();
    let get = |url: String| {
        let client = client.clone();
        async move { client.send("GET", &url, None, Some(LIST_MEDIA_TYPE)).await }
    };
    // The list without a query is asked with the others, not after them: on a slow network the
    // scenarios' probes wait for all three, and a round trip more is one more for the whole run.
    let (before, after, plain) = futures::join!(
        get(list_url(w, Some(GATHERING_QUERIES[0]))),
        get(list_url(w, Some(GATHERING_QUERIES[1]))),
        get(list_url(w, None))
    );
    // Requests sent again are the gathering scenario's: its step sent them (the others share the
    // listing, not its exchanges), whether or not the listing gets as far as reading them.
    for exchange in [&before, &after, &plain] {
        client.credit_retries(&w.scenario, exchange);
    }
    for (q, exchange) in GATHERING_QUERIES.into_iter().zip([before, after]) {
        match each_listed(&exchange, |raw| {
            gathered.add(raw);
        }) {
            Ok(()) => {}
            Err(Unlisted::Withheld(why)) => {
                listing.withheld = Some(why);
                return listing;
            }
            Err(why) => {
                let kind = match &why {
                    Unlisted::Transport(e) => FailureKind::Transport(e.kind),
                    _ => FailureKind::Finding,
                };
                let message = format!("the accounts cannot be listed with query={q}: {}", why.text());
                listing.failure = Some((Failure { kind, ..Failure::finding(message) }, Some(exchange)));
                return listing;
            }
        }
    }
    add_the_plain_list(plain, &mut gathered, &mut listing.warnings);
    if gathered.is_empty() {
        listing.failure = Some((
            Failure::finding(
                "the tenant lists no account, with or without a query: @any-data has nothing to certify (load some accounts, or check --tenant)",
            ),
            None,
        ));
    }
    gathered.into_listing(&mut listing);
    listing
}

/// Adds the accounts a list without a query holds that the gathering queries did not find, and
/// says what it left out of theirs (a page or a default filter: allowed).
fn add_the_plain_list(plain: Exchange, gathered: &mut Gathered, warnings: &mut Vec<String>) {
    let before = gathered.with_guid();
    let mut in_plain = vec![false; gathered.with_guid()];
    let listed = each_listed(&plain, |raw| {
        if let Some(at) = gathered.add(raw).filter(|at| *at < in_plain.len()) {
            in_plain[at] = true;
        }
    });
    match listed {
        Ok(()) => {
            let missing = before - in_plain.iter().filter(|b| **b).count();
            if missing > 0 {
                warnings.push(format!(
                    "GET without a query left out {missing} account(s) that date queries find (a page or a default filter: allowed)"
                ));
            }
        }
        // The run stopped, or the list is over the body cap: the gathering queries' lists stand.
        Err(Unlisted::Withheld(_)) => {}
        Err(Unlisted::Transport(e)) if e.kind == TransportKind::BodyOverCap => {}
        Err(why) => warnings.push(format!(
            "GET without a query did not list the accounts ({}); the documentation does not say it must",
            why.text()
        )),
    }
}

async fn lists_every_account(w: &mut VppWorld, _ctx: Context) -> StepResult {
    let run = w.ctx();
    let listing = run.listing.get_or_init(|| async { Arc::new(gather(w).await) }).await.clone();
    for warning in &listing.warnings {
        run.warn(&w.scenario, warning.clone());
    }
    if let Some(why) = &listing.withheld {
        withheld(why.clone())
    }
    if let Some((failure, exchange)) = &listing.failure {
        w.last = exchange.clone();
        w.fail_with(failure.clone())
    }
    w.listing = Some(listing);
    Ok(())
}

fn listed(w: &VppWorld) -> Arc<Listing> {
    match &w.listing {
        Some(listing) => listing.clone(),
        None => w.fail("no accounts were listed before this step".into()),
    }
}

async fn every_listed_account_valid(w: &mut VppWorld, ctx: Context) -> StepResult {
    let mut findings = Findings::default();
    let mut more = 0usize;
    let listing = listed(w);
    for i in 0..listing.accounts.len() {
        for mut m in schema::validate(arg(&ctx, 1), &listing.account(i)).failures {
            if findings.failures.len() >= SHOWN_FAILURES {
                more += 1;
                continue;
            }
            m.at = m.at.replacen('$', &format!("$.vppAccounts[{i}]"), 1);
            findings.fail(m);
        }
    }
    let what = if more > 0 {
        format!("listed accounts do not match their schema ({more} more failures not shown)")
    } else {
        "listed accounts do not match their schema".to_owned()
    };
    w.judge(findings, &what)
}

/// Documented fields a vendor's account leaves out or null: a SHOULD scenario (`UEM-ANY-012`),
/// one failure per field with a count and a few examples, however many accounts lack it.
async fn every_documented_field_present(w: &mut VppWorld, _ctx: Context) -> StepResult {
    let listing = listed(w);
    let findings = accounts::check_documented_fields((0..listing.accounts.len()).map(|i| (i, listing.account(i))));
    w.last = None;
    w.judge(findings, "listed accounts lack documented fields")
}

/// What became of one probe, when it did not hold.
enum Missed {
    /// The answer broke the rule.
    Rule(String),
    /// A date written otherwise than the documentation writes dates, refused with 400: allowed,
    /// but the rule was not probed (coverage).
    Refused,
    /// No usable answer came (the target timed out alone, reset the connection…): the query as
    /// shown, and the transport's error.
    NoAnswer(String, TransportError),
    /// Not judged on an answer of its own: the run stopped, or the target is down.
    Withheld(Withheld),
}

/// What one probe's answer got wrong, if anything.
fn judge(probe: (&Probe, &Expected), oracle: &Oracle, exchange: &Exchange) -> Option<Missed> {
    if let Some(why) = &exchange.withheld {
        return Some(Missed::Withheld(why.clone()));
    }
    match &exchange.outcome {
        Ok(reply) => {
            match probes::judge_answer(probe, oracle, reply.status, reply.content_type.as_deref(), &reply.body) {
                Answer::Right => None,
                Answer::Refused => Some(Missed::Refused),
                Answer::Wrong(why) => {
                    let same = match &probe.0.documented {
                        Some(documented) => format!(" (the same as query={documented}; a 400 would be allowed)"),
                        None => String::new(),
                    };
                    Some(Missed::Rule(format!("query={}{same} → {why}", code_points::shown(&probe.0.query))))
                }
            }
        }
        Err(e) => Some(Missed::NoAnswer(format!("query={}", code_points::shown(&probe.0.query)), e.clone())),
    }
}

async fn probes_hold(w: &mut VppWorld, ctx: Context) -> StepResult {
    let words = arg(&ctx, 1);
    let family = Family::from_words(words).unwrap_or_else(|| panic!("unknown probe family {words:?}"));
    let run = w.ctx();
    let listing = listed(w);
    let chosen = probes::probes(family, &listing.oracle, run.seed, run.max_requests);
    if chosen.is_empty() {
        run.note_coverage(&w.scenario, family.nothing_to_ask(words));
        return Ok(());
    }
    let asked = chosen.len();
    let missed = ask_all(w, &listing, chosen).await;
    let (mut broke, mut unanswered, mut refused) = (Vec::new(), Vec::new(), 0);
    for m in missed {
        match m {
            Missed::Withheld(why) => withheld(why),
            Missed::Rule(text) => broke.push(text),
            Missed::Refused => refused += 1,
            Missed::NoAnswer(query, e) => unanswered.push((query, e)),
        }
    }
    if refused > 0 {
        run.note_coverage(&w.scenario, refusals(refused, asked, words));
    }
    w.last = None;
    let seed = run.seed;
    if !broke.is_empty() {
        let mut text = format!(
            "{} of {asked} {words} queries broke the rule \"{}\" (seed {seed}; repeat with --seed {seed}):{}",
            broke.len(),
            family.rule(),
            listed_lines(&mut broke)
        );
        if !unanswered.is_empty() {
            let (mut lines, first) = unanswered_lines(&unanswered);
            text.push_str(&format!("\nand {} got no answer:{}{first}", lines.len(), listed_lines(&mut lines)));
        }
        return Err(text);
    }
    if let Some((_, first)) = unanswered.first() {
        // No rule was seen broken: the target did not answer, which is its own finding.
        let kind = first.kind;
        let (mut lines, first) = unanswered_lines(&unanswered);
        let headline = match kind {
            TransportKind::TimedOut => format!(
                "the target did not answer within --timeout ({}), alone, {} of {asked} {words} queries",
                crate::http::human_duration(run.client.timeout()),
                lines.len()
            ),
            _ => format!("{} of {asked} {words} queries got no usable answer", lines.len()),
        };
        let message = format!("{headline} (seed {seed}):{}{first}", listed_lines(&mut lines));
        w.fail_with(Failure { kind: FailureKind::Transport(kind), ..Failure::finding(message) })
    }
    Ok(())
}

/// Asks the probes, at most `--concurrency` at once, and gives what became of each that did not
/// hold.
async fn ask_all(w: &VppWorld, listing: &Arc<Listing>, chosen: Vec<Probe>) -> Vec<Missed> {
    let run = w.ctx();
    let urls: Vec<(Probe, String)> = chosen
        .into_iter()
        .map(|p| {
            let url = list_url(w, Some(&p.query));
            (p, url)
        })
        .collect();
    // A probe that got no usable answer ends the scenario not judged: it starts no more.
    let lost = std::sync::atomic::AtomicBool::new(false);
    futures::stream::iter(urls)
        .map(|(probe, url)| {
            let (run, listing, scenario, lost) = (run.clone(), listing.clone(), &w.scenario, &lost);
            async move {
                if lost.load(std::sync::atomic::Ordering::Relaxed) {
                    return None;
                }
                // What the answer must and may list, worked out now and kept while it is in flight:
                // the request reserves room for that many accounts in its origin's budget.
                let expected = probe.expected(&listing.oracle);
                let size = (expected.must.len() + expected.may.len()) * listing.bytes_per_account + 1024;
                let exchange = run.client.send_expecting("GET", &url, Some(LIST_MEDIA_TYPE), size).await;
                // Requests sent again after a transport error make the scenario flaky.
                run.client.credit_retries(scenario, &exchange);
                // Judged on a thread of its own: the scenarios' steps all run on one, and a large
                // tenant's answers would otherwise wait there for their turn, held.
                let judged = listing.clone();
                let missed = tokio::task::spawn_blocking(move || judge((&probe, &expected), &judged.oracle, &exchange))
                    .await
                    .unwrap_or_else(|e| panic!("judging a probe's answer failed (a bug of the suite): {e}"));
                if matches!(missed, Some(Missed::NoAnswer(..) | Missed::Withheld(_))) {
                    lost.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                missed
            }
        })
        .buffer_unordered(run.concurrency)
        .filter_map(|f| async move { f })
        .collect()
        .await
}

/// What probes refused with 400 for writing dates otherwise than the documentation does leave
/// unprobed: coverage, since the refusal is allowed.
fn refusals(refused: usize, asked: usize, words: &str) -> String {
    format!(
        "the target refused with HTTP 400 {refused} of {asked} {words} queries whose dates are written otherwise than \
         the documentation writes them (no fraction of a second, an offset from UTC), which is allowed: how it \
         compares dates written so was not probed"
    )
}

/// Each query that got no usable answer with what became of it in a few words, and the first
/// one's error in full, once: the transport's chain repeated for each query said nothing more.
fn unanswered_lines(unanswered: &[(String, TransportError)]) -> (Vec<String>, String) {
    let lines = unanswered.iter().map(|(query, e)| format!("{query} → {}", e.kind.once())).collect();
    let first = unanswered
        .iter()
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(query, e)| format!("\n  the first in full ({query}): {}", e.text));
    (lines, first.unwrap_or_default())
}

/// The first few of `lines`, sorted, as an indented list, with how many more there are.
fn listed_lines(lines: &mut [String]) -> String {
    lines.sort();
    let mut text: String = lines.iter().take(SHOWN_FAILURES).map(|l| format!("\n  - {l}")).collect();
    if lines.len() > SHOWN_FAILURES {
        text.push_str(&format!("\n  … and {} more", lines.len() - SHOWN_FAILURES));
    }
    text
}

async fn get_by_each_guid(w: &mut VppWorld, _ctx: Context) -> StepResult {
    let run = w.ctx();
    let listing = listed(w);
    // A sample chosen by the seed, so a large tenant is not judged by its first page alone.
    let items: Vec<Value> = probes::sample_positions(listing.accounts.len(), run.max_requests, run.seed, "get by guid")
        .into_iter()
        .map(|i| listing.account(i))
        .collect();
    let mut findings = super::uem::get_each_and_compare(w, &items, "vpp-account-any-data").await;
    w.last = None;
    let total = findings.failures.len();
    let what = if total > SHOWN_FAILURES {
        findings.failures.truncate(SHOWN_FAILURES);
        format!("GET by GUID disagrees with the list: {total} differences, the first {SHOWN_FAILURES} shown")
    } else {
        "GET by GUID disagrees with the list".to_owned()
    };
    w.judge(findings, &what)
}

async fn unlisted_guid_is_404(w: &mut VppWorld, _ctx: Context) -> StepResult {
    let listing = listed(w);
    let values: Vec<String> = (0..listing.accounts.len())
        .flat_map(|i| accounts::identifying_values(&listing.account(i)).collect::<Vec<_>>())
        .collect();
    // The first GUID is well formed and names no account: "not found". The second is cut short:
    // a malformed identifier, which the documentation does not cover, so 400 passes as well.
    for (i, guid) in probes::unlisted_guids(listing.oracle.accounts()).into_iter().enumerate() {
        let url = request_url(w, &format!("/SRP00000/api/v1/vppAccounts/{guid}"));
        let exchange = w.send("GET", &url, None, Some(ACCOUNT_MEDIA_TYPE)).await.clone();
        let status = w.reply().status;
        let (allowed, expected): (&[u16], &str) =
            if i == 0 { (&[404], "HTTP 404") } else { (&[400, 404], "HTTP 400 or 404 (a malformed GUID)") };
        if !allowed.contains(&status) {
            return Err(format!(
                "GET by the unlisted GUID {guid}\n    expected: {expected}\n    actual:   HTTP {status}"
            ));
        }
        if let Some(why) = super::uem::leaked(&exchange, values.iter().cloned()) {
            return Err(format!("GET by the unlisted GUID {guid}: {why}"));
        }
    }
    Ok(())
}

/// Every date the documentation shows is written `2028-04-20T04:04:00.000Z`; an instant written
/// otherwise (no milliseconds, an offset) is the same date, so this is a SHOULD scenario.
async fn dates_in_documented_form(w: &mut VppWorld, _ctx: Context) -> StepResult {
    let listing = listed(w);
    let accounts = (0..listing.accounts.len()).map(|i| (i, listing.account(i)));
    let findings = accounts::check_date_forms(accounts, SHOWN_FAILURES);
    w.last = None;
    w.judge(findings, "expiry dates are not written as the documentation writes them")
}
