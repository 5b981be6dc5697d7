//! Steps of the `@auth` scenarios: requests sent without the credentials the run holds, or with a
//! value the target never issued, and what a refusal must not give away.

use super::common::{accept_for, request_url};
use super::{StepFn, StepResult, VppWorld, arg};
use cucumber::step::Context;

pub const WHEN: &[(&str, StepFn)] = &[
    (r"^a client without credentials sends GET (.+)$", step!(sends_without_credentials)),
    (r"^a client with an Authorization value the target never issued sends GET (.+)$", step!(sends_forged)),
];

pub const THEN: &[(&str, StepFn)] = &[];

async fn sends_without_credentials(w: &mut VppWorld, ctx: Context) -> StepResult {
    let documented = arg(&ctx, 1).to_owned();
    let url = request_url(w, &documented);
    let client = w.ctx().client.anonymous();
    w.send_with(&client, "GET", &url, None, Some(accept_for(&documented))).await;
    Ok(())
}

async fn sends_forged(w: &mut VppWorld, ctx: Context) -> StepResult {
    let documented = arg(&ctx, 1).to_owned();
    let url = request_url(w, &documented);
    // Shaped like a real UEM value, so only a target that checks the value itself refuses it.
    let forged = format!("besng-basic {}", forged_credential(w.ctx().seed, &w.scenario));
    let client = w.ctx().client.with_authorization(&forged);
    w.send_with(&client, "GET", &url, None, Some(accept_for(&documented))).await;
    Ok(())
}

/// Base64-looking text no target issued: derived from the run's seed, so a run can be repeated.
fn forged_credential(seed: u64, scenario: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("forged:{seed}:{scenario}").as_bytes());
    hex::encode(digest)
}
