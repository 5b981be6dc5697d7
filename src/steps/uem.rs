//! Steps for the UEM account resource.

use super::common::request_url;
use super::{StepFn, StepResult, VppWorld, arg, table_rows};
use crate::catalog::ACCOUNT_MEDIA_TYPE;
use crate::checks::{Findings, Mismatch, accounts, snapshot};
use crate::http::Exchange;
use crate::outcome::{Failure, FailureKind, TransportKind};
use cucumber::step::Context;
use futures::StreamExt as _;
use serde_json::Value;

pub const WHEN: &[(&str, StepFn)] = &[];

pub const THEN: &[(&str, StepFn)] = &[
    (r"^the response lists exactly these accounts:$", step!(lists_accounts)),
    (r"^the response lists no accounts$", step!(lists_no_accounts)),
    (r"^the date's form is refused with 400, or the response lists exactly these accounts:$", step!(refused_or_lists)),
    (r"^the response is the account ([0-9A-Fa-f-]{36})$", step!(is_the_account)),
    (r#"^the normalized account response matches the snapshot "([^"]+)"$"#, step!(matches_snapshot)),
    (r"^every listed account equals what GET by its GUID returns$", step!(list_agrees_with_get)),
    (r"^the response gives away none of the tenant's accounts$", step!(gives_nothing_away)),
];

/// The account data a response carries (`values`: the accounts' GUIDs and tokens), and the words
/// that fail a step over it; `None` when it carries none. A value the request itself holds (the
/// GUID in its path) may be echoed back: that gives nothing away.
pub fn leaked(exchange: &Exchange, values: impl IntoIterator<Item = String>) -> Option<String> {
    let reply = exchange.reply().ok()?;
    let found = accounts::account_data_in(&reply.body, &exchange.url, values);
    if found.is_empty() {
        return None;
    }
    let what = match reply.status {
        401 | 403 => "the refusal".to_owned(),
        404 => "the 404 (\"not found\")".to_owned(),
        s => format!("the HTTP {s} answer"),
    };
    Some(format!(
        "{what} carries account data: {} GUID or token value(s) of the tenant's accounts ({})",
        found.len(),
        found.join(", ")
    ))
}

/// A refusal, a 404 or another tenant's answer that carries accounts of the canonical data set
/// gives away what it is meant to keep.
async fn gives_nothing_away(w: &mut VppWorld, _ctx: Context) -> StepResult {
    w.reply();
    let values = accounts::canonical_accounts().iter().flat_map(accounts::identifying_values);
    if let Some(why) = leaked(w.exchange(), values) {
        return Err(why);
    }
    Ok(())
}

async fn lists_accounts(w: &mut VppWorld, ctx: Context) -> StepResult {
    let guids: Vec<String> = table_rows(&ctx).into_iter().filter_map(|r| r.get("guid").cloned()).collect();
    if guids.is_empty() {
        return Err("the step's table needs a 'guid' column (a bug of the feature file)".into());
    }
    w.judge(
        accounts::compare_account_set(&w.json(), &guids),
        "the response does not list exactly the expected accounts",
    )
}

/// A date written otherwise than the documentation writes dates may be refused with 400, which
/// leaves the comparison unchecked (coverage); any other answer is 200 with exactly the accounts
/// (docs/errata.md › Dates written otherwise than the documentation writes them).
async fn refused_or_lists(w: &mut VppWorld, ctx: Context) -> StepResult {
    match w.reply().status {
        400 => {
            let what = "the target refuses a date written otherwise than the documentation writes dates (HTTP 400, \
                        which is allowed): how it compares such a date was not checked";
            w.ctx().note_coverage(&w.scenario, what.to_owned());
            Ok(())
        }
        200 => lists_accounts(w, ctx).await,
        status => {
            Err(format!("HTTP status\n    expected: 200 (or 400, refusing the date's form)\n    actual:   {status}"))
        }
    }
}

async fn lists_no_accounts(w: &mut VppWorld, _ctx: Context) -> StepResult {
    w.judge(accounts::compare_account_set(&w.json(), &[]), "the response should list no account")
}

async fn is_the_account(w: &mut VppWorld, ctx: Context) -> StepResult {
    let guid = arg(&ctx, 1);
    let canonical =
        accounts::canonical_account(guid).unwrap_or_else(|| panic!("{guid} is not in the canonical data set"));
    w.judge(accounts::compare_account(&w.json(), canonical, "$"), "the account differs from the canonical one")
}

async fn matches_snapshot(w: &mut VppWorld, ctx: Context) -> StepResult {
    let normalized = snapshot::normalize_accounts(&w.json());
    w.judge(snapshot::compare_with_snapshot(arg(&ctx, 1), &normalized), "the response differs from its snapshot")
}

/// Fetches each listed account by its GUID and compares: same fields, same values, served as one
/// account (200, the account media type).
async fn list_agrees_with_get(w: &mut VppWorld, _ctx: Context) -> StepResult {
    let listed_body = w.json();
    let listed = match accounts::listed_accounts(&listed_body) {
        Ok(list) => list.clone(),
        Err(m) => {
            let mut f = Findings::default();
            f.fail(m);
            return w.judge(f, "the list cannot be read");
        }
    };
    if listed.is_empty() {
        return Err("the list is empty: nothing to compare with GET by GUID".into());
    }
    let list_exchange = w.last.clone();
    let findings = get_each_and_compare(w, &listed, "vpp-account").await;
    w.last = list_exchange;
    w.judge(findings, "listed accounts and GET by GUID disagree")
}

/// GET by the GUID of each account, concurrently, and compare each answer with the account as
/// listed: 200, the account media type, the schema, the same fields. A request that got no usable
/// answer is no finding about the rule: when nothing else differs, the step fails with the
/// transport's kind (a timeout is a timeout); a request not sent ends the scenario as not run.
pub async fn get_each_and_compare(w: &VppWorld, listed: &[Value], schema_name: &str) -> Findings {
    let run = w.ctx();
    let mut findings = Findings::default();
    let mut requests = Vec::new();
    for (i, account) in listed.iter().enumerate() {
        match account.get("guid").and_then(Value::as_str) {
            Some(guid) => requests.push((
                account,
                guid.to_owned(),
                request_url(w, &format!("/SRP00000/api/v1/vppAccounts/{guid}")),
            )),
            None => findings.fail(Mismatch::new(
                format!("$.vppAccounts[{i}].guid"),
                "every account has a GUID",
                "a string",
                "missing",
            )),
        }
    }
    // A request that got no usable answer ends the scenario not judged: it starts no more.
    let lost = std::sync::atomic::AtomicBool::new(false);
    let judged: Vec<Result<Findings, Box<Exchange>>> = futures::stream::iter(requests)
        .map(|(account, guid, url)| {
            let (run, scenario, lost) = (run.clone(), &w.scenario, &lost);
            async move {
                if lost.load(std::sync::atomic::Ordering::Relaxed) {
                    return None;
                }
                let exchange = run.client.send("GET", &url, None, Some(ACCOUNT_MEDIA_TYPE)).await;
                // Requests sent again after a transport error make the scenario flaky.
                run.client.credit_retries(scenario, &exchange);
                let judged = judge_get(exchange, account, &guid, schema_name);
                if judged.is_err() {
                    lost.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                Some(judged)
            }
        })
        .buffer_unordered(run.concurrency)
        .filter_map(|j| async move { j })
        .collect()
        .await;
    let mut unanswered = Vec::new();
    for judged in judged {
        match judged {
            Ok(f) => findings.extend(f),
            Err(exchange) => match &exchange.withheld {
                Some(why) => crate::steps::world::withheld(why.clone()),
                None => unanswered.push(exchange),
            },
        }
    }
    if let Some(first) = unanswered.first()
        && findings.is_ok()
    {
        let kind = first.outcome.as_ref().err().map_or(TransportKind::Other, |e| e.kind);
        let lines: Vec<String> =
            unanswered.iter().filter_map(|e| e.reply().err()).map(|e| format!("\n  - {}", e.text)).collect();
        let message =
            format!("{} of {} GET by GUID requests got no usable answer:{}", lines.len(), listed.len(), lines.concat());
        w.fail_with(Failure { kind: FailureKind::Transport(kind), ..Failure::finding(message) })
    }
    for exchange in unanswered {
        if let Err(e) = exchange.reply() {
            findings.fail(Mismatch::new(e.text.clone(), "not judged: no usable answer came", "an answer", "none"));
        }
    }
    findings
}

/// The answer to GET by a listed GUID, judged against the account as listed; the exchange back
/// when no answer came.
fn judge_get(exchange: Exchange, account: &Value, guid: &str, schema_name: &str) -> Result<Findings, Box<Exchange>> {
    match &exchange.outcome {
        Ok(reply) if exchange.withheld.is_none() => Ok(accounts::check_get_answer(
            reply.status,
            reply.content_type.as_deref(),
            &reply.body,
            account,
            guid,
            schema_name,
        )),
        _ => Err(Box::new(exchange)),
    }
}
