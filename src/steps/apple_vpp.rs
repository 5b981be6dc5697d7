//! Steps for the service configuration response.

use super::{StepFn, VppWorld, arg, table_rows};
use crate::checks::{service_config, snapshot};
use cucumber::step::Context;
use futures::future::LocalBoxFuture;

pub const THEN: &[(&str, StepFn)] = &[
    (r#"^the response field "([^"]+)" is (-?\d+)$"#, field_is_integer),
    (r"^each of these response fields holds an absolute http\(s\) URL:$", fields_hold_urls),
    (r#"^the response field "([^"]+)" has the query parameter "([^"]+)" equal to "([^"]+)"$"#, query_parameter_is),
    (r"^each of these service URLs names its own service:$", urls_name_their_services),
    (r#"^the response field "([^"]+)" keeps these query parameters:$"#, keeps_query_parameters),
    (r"^the response lists exactly these errors, each once:$", lists_errors),
    (r#"^the normalized service configuration matches the snapshot "([^"]+)"$"#, matches_snapshot),
];

fn field_is_integer<'a>(w: &'a mut VppWorld, ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let expected: i64 = arg(&ctx, 2).parse().expect("pattern is an integer");
        w.assert(service_config::check_integer(&w.json(), arg(&ctx, 1), expected), "a documented value differs");
    })
}

fn fields_hold_urls<'a>(w: &'a mut VppWorld, ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let keys: Vec<String> = table_rows(&ctx).into_iter().filter_map(|r| r.get("field").cloned()).collect();
        assert!(!keys.is_empty(), "the step's table needs a 'field' column");
        w.assert(service_config::check_service_urls(&w.json(), &keys), "service URLs break the contract");
    })
}

fn query_parameter_is<'a>(w: &'a mut VppWorld, ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let findings = service_config::check_query_placeholder(&w.json(), arg(&ctx, 1), arg(&ctx, 2), arg(&ctx, 3));
        w.assert(findings, "the placeholder is not kept");
    })
}

/// The rows of a two-column table as pairs.
fn pairs(ctx: &Context, left: &str, right: &str) -> Vec<(String, String)> {
    let rows: Vec<(String, String)> = table_rows(ctx)
        .into_iter()
        .filter_map(|r| Some((r.get(left)?.clone(), r.get(right).cloned().unwrap_or_default())))
        .collect();
    assert!(!rows.is_empty(), "the step's table needs '{left}' and '{right}' columns");
    rows
}

fn urls_name_their_services<'a>(w: &'a mut VppWorld, ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let services = pairs(&ctx, "field", "service");
        w.assert(service_config::check_service_names(&w.json(), &services), "service URLs name the wrong service");
    })
}

fn keeps_query_parameters<'a>(w: &'a mut VppWorld, ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let documented = pairs(&ctx, "parameter", "documented value");
        let findings = service_config::check_query_parameters(&w.json(), arg(&ctx, 1), &documented);
        w.assert(findings, "the URL lost documented query parameters");
    })
}

fn lists_errors<'a>(w: &'a mut VppWorld, ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let documented: Vec<(i64, String)> = table_rows(&ctx)
            .into_iter()
            .map(|r| {
                let n = r.get("errorNumber").and_then(|n| n.parse().ok()).expect("errorNumber column of integers");
                (n, r.get("errorMessage").cloned().unwrap_or_default())
            })
            .collect();
        w.assert(service_config::check_error_codes(&w.json(), &documented), "the error list breaks the contract");
    })
}

fn matches_snapshot<'a>(w: &'a mut VppWorld, ctx: Context) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        let normalized = snapshot::normalize_service_config(&w.json());
        w.assert(snapshot::compare_with_snapshot(arg(&ctx, 1), &normalized), "the response differs from its snapshot");
    })
}
