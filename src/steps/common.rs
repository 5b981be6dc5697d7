//! Steps both APIs share: sending the documented request, status, media type, schema.

use super::{StepFn, StepResult, VppWorld, arg, capture};
use crate::checks::{code_points, media_type, schema};
use crate::outcome::NotRun;
use crate::steps::world::not_run;
use cucumber::step::Context;

pub const WHEN: &[(&str, StepFn)] = &[
    (r"^the client sends (GET|POST) (.+?)(?: with the body (.+))?$", step!(sends)),
    (r"^a client of the second tenant sends GET (.+)$", step!(sends_in_second_tenant)),
];

pub const THEN: &[(&str, StepFn)] = &[
    (r"^the response status is (\d{3})$", step!(status_is)),
    (r"^the response status is (\d{3}) or (\d{3})$", step!(status_is_either)),
    (r"^the documented request is answered without a redirect that changes its method or its path$", step!(not_moved)),
    (r#"^the response media type is "([^"]+)"$"#, step!(media_type_is)),
    (r#"^the response body is valid against the schema "([^"]+)"$"#, step!(valid_against_schema)),
];

/// The documented tenant in request paths; it stands for the tenant under test.
pub use crate::catalog::DOCUMENTED_TENANT;

/// Characters left raw in a query string: those the documentation writes raw (`=` `,` `:`) and
/// URL-safe ones. Everything else (space, `\`, `<`, `>`, `+`, non-ASCII…) is percent-encoded,
/// `+` included so no server can read it as a space.
const QUERY_ENCODE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'=')
    .remove(b',')
    .remove(b':')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The URL for a documented request line: the right API's base, the tenant under test, and the
/// query percent-encoded.
pub fn request_url(world: &VppWorld, documented: &str) -> String {
    request_url_in(world, documented, &world.ctx().tenant)
}

/// As [`request_url`], with `tenant` standing for the documented one.
pub fn request_url_in(world: &VppWorld, documented: &str, tenant: &str) -> String {
    let ctx = world.ctx();
    let (path, query) = match documented.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (documented, None),
    };
    let path = match path.strip_prefix(&format!("/{DOCUMENTED_TENANT}/")) {
        Some(rest) => format!("/{}/{rest}", tenant_segment(tenant)),
        None => path.to_owned(),
    };
    let base = if path.starts_with("/mdm/") { &ctx.vpp_base } else { &ctx.uem_base };
    match query {
        Some(q) => format!("{base}{path}?{}", encode_query(q)),
        None => format!("{base}{path}"),
    }
}

/// The tenant as it stands in request paths.
pub fn tenant_segment(tenant: &str) -> String {
    percent_encoding::utf8_percent_encode(tenant, QUERY_ENCODE).to_string()
}

pub fn encode_query(query: &str) -> String {
    percent_encoding::utf8_percent_encode(query, QUERY_ENCODE).to_string()
}

/// The media type a request accepts: the documented one for the resource.
pub fn accept_for(path: &str) -> &'static str {
    if path.starts_with("/mdm/") {
        "application/json"
    } else if path.split('?').next().unwrap_or("").trim_end_matches('/').ends_with("/vppAccounts") {
        crate::catalog::LIST_MEDIA_TYPE
    } else {
        crate::catalog::ACCOUNT_MEDIA_TYPE
    }
}

async fn sends(w: &mut VppWorld, ctx: Context) -> StepResult {
    let method = arg(&ctx, 1).to_owned();
    // A feature writes what print does not show as ‹U+XXXX›.
    let documented = code_points::expand(arg(&ctx, 2)).map_err(|e| format!("{e} (a bug of the feature file)"))?;
    let body = ctx.matches.get(3).map(|(_, b)| b.clone()).filter(|b| !b.is_empty());
    let url = request_url(w, &documented);
    let exchange = w.send(&method, &url, body.as_deref(), Some(accept_for(&documented))).await;
    // Redirects are not part of either contract: a followed one is reported wherever it happens.
    let sent = url::Url::parse(&exchange.url).map(|u| u.to_string()).unwrap_or_default();
    let moved = exchange.reply().ok().and_then(|r| r.redirected_to.clone()).filter(|to| *to != sent);
    if let Some(to) = moved {
        let path = documented.split('?').next().unwrap_or_default();
        w.ctx().warn(
            &w.scenario,
            format!("the documented {method} {path} was redirected to {to}, and answered from there (a redirect is not part of the contract)"),
        );
    }
    Ok(())
}

/// The documented request, with the tenant given by `--second-tenant` in place of the tenant
/// under test. Without that option the scenario is not run: the target's second tenant is the
/// user's to name.
async fn sends_in_second_tenant(w: &mut VppWorld, ctx: Context) -> StepResult {
    let documented = arg(&ctx, 1).to_owned();
    let Some(second) = w.ctx().second_tenant.clone() else {
        not_run(NotRun::Unavailable {
            why: "this scenario needs --second-tenant GUID (another tenant the target holds)".to_owned(),
        });
    };
    if second.eq_ignore_ascii_case(&w.ctx().tenant) {
        not_run(NotRun::Unavailable {
            why: format!(
                "--second-tenant {second} is the tenant under test (--tenant): name another tenant the target holds"
            ),
        });
    }
    let url = request_url_in(w, &documented, &second);
    w.send("GET", &url, None, Some(accept_for(&documented))).await;
    Ok(())
}

/// A documented request answered after a redirect: one that changed the method (a 301, 302 or
/// 303 on POST) or the path fails; one that kept both was reported when the request was sent.
async fn not_moved(w: &mut VppWorld, _ctx: Context) -> StepResult {
    let exchange = w.exchange().clone();
    let Some(to) = w.reply().redirected_to.clone() else { return Ok(()) };
    if url::Url::parse(&exchange.url).is_ok_and(|u| u.as_str() == to) {
        return Ok(());
    }
    // The client follows redirects and keeps only where they led; the first one's status,
    // which decides the method the client went on with, comes from asking again without following.
    let first = w
        .ctx()
        .client
        .without_redirects()
        .send(&exchange.method, &exchange.url, exchange.request_body.as_deref(), None)
        .await;
    w.ctx().client.credit_retries(&w.scenario, &first);
    let first_status = first.reply().ok().map(|r| r.status).filter(|s| (300..400).contains(s));
    let findings = crate::checks::redirects::judge(&exchange.method, &exchange.url, first_status, &to);
    w.judge(findings, "the documented request was answered elsewhere")
}

async fn status_is(w: &mut VppWorld, ctx: Context) -> StepResult {
    let expected: u16 = capture(&ctx, 1, "status")?;
    let status = w.reply().status;
    if status != expected {
        return Err(format!("HTTP status\n    expected: {expected}\n    actual:   {status}"));
    }
    Ok(())
}

async fn status_is_either(w: &mut VppWorld, ctx: Context) -> StepResult {
    let (a, b): (u16, u16) = (capture(&ctx, 1, "status")?, capture(&ctx, 2, "status")?);
    let status = w.reply().status;
    if status != a && status != b {
        return Err(format!("HTTP status\n    expected: {a} or {b}\n    actual:   {status}"));
    }
    Ok(())
}

async fn media_type_is(w: &mut VppWorld, ctx: Context) -> StepResult {
    let findings = media_type::check_media_type(w.reply().content_type.as_deref(), arg(&ctx, 1));
    w.judge(findings, "the response media type is not the documented one")
}

async fn valid_against_schema(w: &mut VppWorld, ctx: Context) -> StepResult {
    let findings = schema::validate(arg(&ctx, 1), &w.json());
    w.judge(findings, "the response body does not match its schema")
}

#[cfg(test)]
mod tests {
    use super::encode_query;

    #[test]
    fn query_keeps_documented_separators_and_encodes_the_rest() {
        assert_eq!(encode_query(r"name=Acme\, Retail\\East"), "name=Acme%5C,%20Retail%5C%5CEast");
        assert_eq!(
            encode_query("tokenExpiryDate<=2027-01-01T00:00:00.000Z"),
            "tokenExpiryDate%3C=2027-01-01T00:00:00.000Z"
        );
        assert_eq!(encode_query("name=a+b"), "name=a%2Bb");
        assert_eq!(encode_query("name=Smith & Sons"), "name=Smith%20%26%20Sons");
        let invisible = crate::checks::code_points::expand("name=a‹U+00AD›b ‹U+0020›").unwrap();
        assert_eq!(encode_query(&invisible), "name=a%C2%ADb%20%20");
    }
}
