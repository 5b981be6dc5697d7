//! Steps for the service configuration response.

use super::{StepFn, StepResult, VppWorld, arg, capture, table_rows};
use crate::checks::{service_config, snapshot};
use cucumber::step::Context;

pub const THEN: &[(&str, StepFn)] = &[
    (r#"^the response field "([^"]+)" is (-?\d+)$"#, step!(field_is_integer)),
    (r"^each of these response fields holds an absolute http\(s\) URL:$", step!(fields_hold_urls)),
    (
        r#"^the response field "([^"]+)" has the query parameter "([^"]+)" equal to "([^"]+)"$"#,
        step!(query_parameter_is),
    ),
    (r"^each of these service URLs names its own service:$", step!(urls_name_their_services)),
    (r#"^the response field "([^"]+)" keeps these query parameters:$"#, step!(keeps_query_parameters)),
    (r"^the response lists exactly these errors, each once:$", step!(lists_errors)),
    (r#"^the normalized service configuration matches the snapshot "([^"]+)"$"#, step!(matches_snapshot)),
];

async fn field_is_integer(w: &mut VppWorld, ctx: Context) -> StepResult {
    let expected: i64 = capture(&ctx, 2, "integer")?;
    w.judge(service_config::check_integer(&w.json(), arg(&ctx, 1), expected), "a documented value differs")
}

async fn fields_hold_urls(w: &mut VppWorld, ctx: Context) -> StepResult {
    let keys: Vec<String> = table_rows(&ctx).into_iter().filter_map(|r| r.get("field").cloned()).collect();
    if keys.is_empty() {
        return Err("the step's table needs a 'field' column (a bug of the feature file)".into());
    }
    w.judge(service_config::check_service_urls(&w.json(), &keys), "service URLs break the contract")
}

async fn query_parameter_is(w: &mut VppWorld, ctx: Context) -> StepResult {
    let findings = service_config::check_query_placeholder(&w.json(), arg(&ctx, 1), arg(&ctx, 2), arg(&ctx, 3));
    w.judge(findings, "the placeholder is not kept")
}

/// The rows of a two-column table as pairs.
fn pairs(ctx: &Context, left: &str, right: &str) -> Result<Vec<(String, String)>, String> {
    let rows: Vec<(String, String)> = table_rows(ctx)
        .into_iter()
        .filter_map(|r| Some((r.get(left)?.clone(), r.get(right).cloned().unwrap_or_default())))
        .collect();
    if rows.is_empty() {
        return Err(format!("the step's table needs '{left}' and '{right}' columns (a bug of the feature file)"));
    }
    Ok(rows)
}

async fn urls_name_their_services(w: &mut VppWorld, ctx: Context) -> StepResult {
    let services = pairs(&ctx, "field", "service")?;
    w.judge(service_config::check_service_names(&w.json(), &services), "service URLs name the wrong service")
}

async fn keeps_query_parameters(w: &mut VppWorld, ctx: Context) -> StepResult {
    let documented = pairs(&ctx, "parameter", "documented value")?;
    let findings = service_config::check_query_parameters(&w.json(), arg(&ctx, 1), &documented);
    w.judge(findings, "the URL lost documented query parameters")
}

async fn lists_errors(w: &mut VppWorld, ctx: Context) -> StepResult {
    let documented: Vec<(i64, String)> = table_rows(&ctx)
        .into_iter()
        .map(|r| {
            let n = r.get("errorNumber").and_then(|n| n.parse().ok());
            let n = n.ok_or("the step's table needs an errorNumber column of integers (a bug of the feature file)")?;
            Ok((n, r.get("errorMessage").cloned().unwrap_or_default()))
        })
        .collect::<Result<_, String>>()?;
    w.judge(service_config::check_error_codes(&w.json(), &documented), "the error list breaks the contract")
}

async fn matches_snapshot(w: &mut VppWorld, ctx: Context) -> StepResult {
    let normalized = snapshot::normalize_service_config(&w.json());
    w.judge(snapshot::compare_with_snapshot(arg(&ctx, 1), &normalized), "the response differs from its snapshot")
}
