//! `@any-data` steps: list what the target holds, derive probes from it by the documented rules,
//! ask them (concurrently, within the request budget) and compare with the oracle's answers.

use super::common::request_url;
use super::{StepFn, VppWorld, arg};
use crate::checks::probes::{self, Family, Probe};
use crate::checks::query_oracle::Listed;
use crate::checks::{Findings, accounts, media_type, schema};
use crate::client::Exchange;
use crate::reference::uem::{ACCOUNT_MEDIA_TYPE, LIST_MEDIA_TYPE};
use cucumber::step::Context;
use futures::StreamExt as _;
use futures::future::LocalBoxFuture;
use serde_json::Value;
use std::collections::BTreeSet;

pub const GIVEN: &[(&str, StepFn)] = &[(r"^the client lists every account of the tenant$", lists_every_account)];

pub const THEN: &[(&str, StepFn)] = &[
    (r#"^every listed account is valid against the schema "([^"]+)"$"#, every_listed_account_valid),
    (r"^every listed account that lacks a documented field is reported in a warning$", warn_on_missing_fields),
    (
        r"^every (.+) query derived from the listed accounts finds exactly the accounts the documentation says$",
        probes_hold,
    ),
    (r"^GET by each listed GUID answers that account as the documented media type$", get_by_each_guid),
    (r"^GET by a GUID that is not listed answers 404$", unlisted_guid_is_404),
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

/// The accounts of a list response, or why not.
fn listed_from(exchange: &Exchange) -> Result<Vec<Value>, String> {
    let reply = exchange.reply()?;
    if reply.status != 200 {
        return Err(format!("HTTP {}", reply.status));
    }
    let body: Value = serde_json::from_slice(&reply.body).map_err(|e| format!("not JSON: {e}"))?;
    accounts::listed_accounts(&body).map(Clone::clone).map_err(|m| m.to_string())
}

fn guid_key(a: &Value) -> Option<String> {
    a.get("guid").and_then(Value::as_str).map(str::to_ascii_lowercase)
}

/// Lists the tenant's accounts: a list without a query (when the target answers one) joined with
/// the gathering queries. A tenant with no account cannot be certified: that fails, rather than
/// passing every rule for want of data.
fn lists_every_account<'a>(w: &'a mut VppWorld, _ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let url = list_url(w, None);
        let plain = w.send("GET", &url, None, Some(LIST_MEDIA_TYPE)).await.clone();
        let mut all: Vec<Value> = Vec::new();
        let mut seen = BTreeSet::new();
        let plain_list = match listed_from(&plain) {
            Ok(list) => Some(list),
            Err(why) => {
                w.ctx().warn(
                    &w.scenario,
                    format!(
                        "GET without a query did not list the accounts ({why}); the documentation does not say it must"
                    ),
                );
                None
            }
        };
        for q in GATHERING_QUERIES {
            let url = list_url(w, Some(q));
            let exchange = w.send("GET", &url, None, Some(LIST_MEDIA_TYPE)).await.clone();
            match listed_from(&exchange) {
                Ok(list) => merge_new(&mut all, &mut seen, list),
                Err(why) => w.fail(format!("the accounts cannot be listed with query={q}: {why}")),
            }
        }
        if let Some(list) = plain_list {
            let missing = all
                .iter()
                .filter_map(guid_key)
                .filter(|g| !list.iter().any(|a| guid_key(a).as_ref() == Some(g)))
                .count();
            if missing > 0 {
                w.ctx().warn(
                    &w.scenario,
                    format!("GET without a query left out {missing} account(s) that date queries find (a page or a default filter: allowed)"),
                );
            }
            merge_new(&mut all, &mut seen, list);
        }
        if all.is_empty() {
            w.fail("the tenant lists no account, with or without a query: @any-data has nothing to certify (load some accounts, or check --tenant)".into());
        }
        w.listed = Some(Value::Array(all));
    })
}

/// Adds the accounts whose GUID is not among those already gathered.
fn merge_new(all: &mut Vec<Value>, seen: &mut BTreeSet<String>, list: Vec<Value>) {
    all.extend(list.into_iter().filter(|a| guid_key(a).is_none_or(|g| seen.insert(g))));
}

fn listed(w: &VppWorld) -> Vec<Value> {
    match &w.listed {
        Some(Value::Array(items)) => items.clone(),
        _ => w.fail("no accounts were listed before this step".into()),
    }
}

fn oracle_view(items: &[Value]) -> Vec<Listed> {
    items
        .iter()
        .filter_map(|a| {
            Some(Listed {
                guid: a.get("guid")?.as_str()?.to_owned(),
                name: a.get("name").and_then(Value::as_str).map(str::to_owned),
                expiry: a.get("tokenExpiryDate").and_then(Value::as_str).and_then(accounts::parse_instant),
            })
        })
        .collect()
}

fn every_listed_account_valid<'a>(w: &'a mut VppWorld, ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let mut findings = Findings::default();
        for (i, account) in listed(w).iter().enumerate() {
            for mut m in schema::validate(arg(&ctx, 1), account).failures {
                m.at = m.at.replacen('$', &format!("$.vppAccounts[{i}]"), 1);
                findings.fail(m);
            }
        }
        w.assert(findings, "listed accounts do not match their schema");
    })
}

/// Documented fields a vendor's account leaves out or null: allowed on any data, worth knowing.
fn warn_on_missing_fields<'a>(w: &'a mut VppWorld, _ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let run = w.ctx();
        for (i, account) in listed(w).iter().enumerate() {
            let lacking: Vec<&str> = accounts::ACCOUNT_FIELDS
                .iter()
                .copied()
                .filter(|f| account.get(*f).is_none_or(Value::is_null))
                .collect();
            if !lacking.is_empty() {
                run.warn(&w.scenario, format!("$.vppAccounts[{i}] has no (or a null) {}", lacking.join(", ")));
            }
        }
    })
}

/// What one probe's answer got wrong, if anything.
fn judge(probe: &Probe, exchange: &Exchange) -> Option<String> {
    let reply = match exchange.reply() {
        Ok(r) => r,
        Err(e) => return Some(e),
    };
    if reply.status != 200 {
        return Some(format!("HTTP {} instead of 200", reply.status));
    }
    let mt = media_type::check_media_type(reply.content_type.as_deref(), LIST_MEDIA_TYPE);
    if let Some(m) = mt.failures.first() {
        return Some(format!("Content-Type {} instead of {}", m.actual, m.expected));
    }
    let body: Value = match serde_json::from_slice(&reply.body) {
        Ok(v) => v,
        Err(e) => return Some(format!("the body is not JSON: {e}")),
    };
    let items = match accounts::listed_accounts(&body) {
        Ok(items) => items,
        Err(m) => return Some(format!("{}: {}", m.rule, m.actual)),
    };
    let received: Vec<String> = items
        .iter()
        .map(|a| a.get("guid").and_then(Value::as_str).unwrap_or("(no guid)").to_ascii_lowercase())
        .collect();
    let received_set: BTreeSet<String> = received.iter().cloned().collect();
    if !probe.expected.accepts(&received_set) || received.len() != received_set.len() {
        let mut expected = show_set(&probe.expected.must);
        if !probe.expected.may.is_empty() {
            expected.push_str(&format!(" (and possibly {})", show_set(&probe.expected.may)));
        }
        return Some(format!("expected {expected}\n      received {}", show_list(&received)));
    }
    None
}

fn show_set(s: &BTreeSet<String>) -> String {
    format!("[{}]", s.iter().cloned().collect::<Vec<_>>().join(", "))
}

fn show_list(s: &[String]) -> String {
    format!("[{}]", s.join(", "))
}

fn probes_hold<'a>(w: &'a mut VppWorld, ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let words = arg(&ctx, 1);
        let family = Family::from_words(words).unwrap_or_else(|| panic!("unknown probe family {words:?}"));
        let run = w.ctx();
        let view = oracle_view(&listed(w));
        let chosen = probes::probes(family, &view, run.seed, run.max_requests);
        if chosen.is_empty() {
            run.warn(&w.scenario, format!("the listed accounts give no {words} query to ask (nothing checked)"));
            return;
        }
        let urls: Vec<(Probe, String)> = chosen.into_iter().map(|p| (p.clone(), list_url(w, Some(&p.query)))).collect();
        let asked = urls.len();
        let failures: Vec<String> = futures::stream::iter(urls)
            .map(|(probe, url)| {
                let client = run.client.clone();
                async move {
                    let exchange = client.send("GET", &url, None, Some(LIST_MEDIA_TYPE)).await;
                    judge(&probe, &exchange).map(|why| format!("query={} → {why}", probe.query))
                }
            })
            .buffer_unordered(run.concurrency)
            .filter_map(|f| async move { f })
            .collect()
            .await;
        if !failures.is_empty() {
            let mut failures = failures;
            failures.sort();
            let more = failures.len().saturating_sub(SHOWN_FAILURES);
            let mut text = format!(
                "{} of {asked} {words} queries broke the rule \"{}\" (seed {}; repeat with --seed {}):\n  - {}",
                failures.len(),
                family.rule(),
                run.seed,
                run.seed,
                failures.iter().take(SHOWN_FAILURES).cloned().collect::<Vec<_>>().join("\n  - ")
            );
            if more > 0 {
                text.push_str(&format!("\n  … and {more} more"));
            }
            w.last = None;
            w.fail(text);
        }
    })
}

fn get_by_each_guid<'a>(w: &'a mut VppWorld, _ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let budget = w.ctx().max_requests;
        let items: Vec<Value> = listed(w).into_iter().take(budget).collect();
        let findings = super::uem::get_each_and_compare(w, &items, "vpp-account-any-data").await;
        w.last = None;
        w.assert(findings, "GET by GUID disagrees with the list");
    })
}

fn unlisted_guid_is_404<'a>(w: &'a mut VppWorld, _ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        for guid in probes::unlisted_guids(&oracle_view(&listed(w))) {
            let url = request_url(w, &format!("/SRP00000/api/v1/vppAccounts/{guid}"));
            let exchange = w.send("GET", &url, None, Some(ACCOUNT_MEDIA_TYPE)).await.clone();
            let status = match exchange.reply() {
                Ok(r) => r.status,
                Err(_) => w.fail("no response from the target".into()),
            };
            if status != 404 {
                w.fail(format!("GET by the unlisted GUID {guid}\n    expected: HTTP 404\n    actual:   HTTP {status}"));
            }
        }
    })
}
