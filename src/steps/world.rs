//! One scenario's state, and the few helpers every step uses: send a request, read the reply,
//! and fail with a message that says what was requested, what came back and what was expected,
//! secrets already replaced.

use super::listing::Listing;
use crate::checks::Findings;
use crate::http::{Client, Exchange, Reply};
use crate::outcome::{Failure, NotRun, Withheld};
use crate::sync::Locked;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// What every scenario of a run shares: where the targets are, and the client.
#[derive(Debug)]
pub struct RunContext {
    /// Base URL of the Apple VPP service configuration target, without a trailing slash.
    pub vpp_base: String,
    /// Base URL of the UEM target, without a trailing slash.
    pub uem_base: String,
    /// The tenant that stands for the documented `SRP00000`.
    pub tenant: String,
    /// Another tenant the target holds (`--second-tenant`), for the `@tenants` scenarios.
    pub second_tenant: Option<String>,
    pub client: Client,
    /// Seed of the `@any-data` probes, printed in every run so a failure can be reproduced.
    pub seed: u64,
    /// Request budget of one `@any-data` scenario.
    pub max_requests: usize,
    /// Requests a scenario may have under way at once (`@any-data` probes, GET by each GUID):
    /// the ceiling of each origin's adaptive limit, which decides how many really go at once.
    pub concurrency: usize,
    /// Warnings, by scenario ID: what the documentation leaves open, reported but never failed.
    pub warnings: Mutex<Warnings>,
    /// Coverage notes, by scenario ID: what the data gave nothing to check.
    pub coverage: Mutex<Vec<(String, String)>>,
    /// The scenarios that need the canonical data set, by ID: their failures say so first when
    /// the target lacks it.
    pub needs_canonical_data: std::collections::HashSet<String>,
    /// What the target lists, gathered by the first `@any-data` scenario and shared by the others.
    pub listing: tokio::sync::OnceCell<Arc<Listing>>,
}

/// Warnings in the order they came, each (scenario, text) once, found by hash; those of one
/// shape (the same words for another GUID or index) counted on the first.
#[derive(Debug, Default)]
pub struct Warnings {
    list: Vec<(String, String, usize)>,
    seen: HashSet<(String, String)>,
    by_shape: std::collections::HashMap<(String, String), usize>,
}

/// A warning's words without what varies from account to account: GUIDs and array indices.
fn shape(text: &str) -> String {
    static GUID: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static INDEX: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let guid = GUID.get_or_init(|| {
        regex::Regex::new(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
            .expect("valid")
    });
    let index = INDEX.get_or_init(|| regex::Regex::new(r"\[\d+\]").expect("valid"));
    index.replace_all(&guid.replace_all(text, "‹guid›"), "[n]").into_owned()
}

impl RunContext {
    /// A finding about the target that the documentation leaves open. The same finding met again
    /// (for another account, at another index) is counted, not repeated: a tenant of 50 000
    /// accounts gives one line with a count, not 50 000 lines.
    pub fn warn(&self, scenario: &str, text: String) {
        let text = self.client.redactor().redact(&text);
        let mut warnings = self.warnings.locked();
        if !warnings.seen.insert((scenario.to_owned(), text.clone())) {
            return;
        }
        let key = (scenario.to_owned(), shape(&text));
        match warnings.by_shape.get(&key) {
            Some(&i) => warnings.list[i].2 += 1,
            None => {
                let i = warnings.list.len();
                warnings.by_shape.insert(key, i);
                warnings.list.push((scenario.to_owned(), text, 1));
            }
        }
    }

    /// What the target's data gave `scenario` nothing to check: coverage, reported apart from
    /// findings about the target.
    pub fn note_coverage(&self, scenario: &str, text: String) {
        let mut coverage = self.coverage.locked();
        if !coverage.iter().any(|(s, t)| s == scenario && *t == text) {
            coverage.push((scenario.to_owned(), text));
        }
    }

    pub fn take_coverage(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.coverage.locked())
    }

    /// Whether `scenario` met a warning so far.
    pub fn has_warnings(&self, scenario: &str) -> bool {
        let warnings = self.warnings.locked();
        warnings.list.iter().any(|(s, _, _)| s == scenario)
    }

    /// The warnings, each with how many more of its shape came.
    pub fn take_warnings(&self) -> Vec<(String, String)> {
        let mut warnings = self.warnings.locked();
        warnings.seen.clear();
        warnings.by_shape.clear();
        std::mem::take(&mut warnings.list)
            .into_iter()
            .map(|(scenario, text, n)| match n {
                1 => (scenario, text),
                n => (scenario, format!("{text} (and {} more like it)", n - 1)),
            })
            .collect()
    }
}

/// Ends the step as not run: the run stopped, or it lacks what the scenario needs. Not a
/// failure of the target.
pub fn not_run(why: NotRun) -> ! {
    std::panic::resume_unwind(Box::new(why))
}

/// Ends the step for a request that was not judged on an answer of its own: not run when the
/// run stopped; an ERROR with the origin's one cause when the origin is down (the same words
/// for every scenario, whether or not its own request went out).
pub fn withheld(why: Withheld) -> ! {
    match why {
        Withheld::Stopped(n) => not_run(n),
        Withheld::Down(down) => std::panic::resume_unwind(Box::new(Failure::down(&down))),
    }
}

/// The cucumber World: one per scenario.
#[derive(Default)]
pub struct VppWorld {
    pub ctx: Option<Arc<RunContext>>,
    /// The scenario's ID tag, for warnings.
    pub scenario: String,
    pub last: Option<Exchange>,
    /// Accounts listed earlier in the scenario (`@any-data`), shared with the run.
    pub listing: Option<Arc<Listing>>,
}

/// cucumber formats the World with `{:#?}` on every failed step, whatever the verbosity, and then
/// discards the text: a derived `Debug` would spell out every byte of a megabyte body and every
/// account of a large tenant, one per line, for nothing (and unredacted). This says what matters
/// in one short line.
impl std::fmt::Debug for VppWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let last = self.last.as_ref().map(|e| match &e.outcome {
            Ok(reply) => format!("{} {}: HTTP {}, {} bytes", e.method, e.url, reply.status, reply.body.len()),
            Err(_) => format!("{} {}: no response", e.method, e.url),
        });
        f.debug_struct("VppWorld")
            .field("scenario", &self.scenario)
            .field("last", &last)
            .field("listed_accounts", &self.listing.as_ref().map(|l| l.accounts.len()))
            .finish()
    }
}

impl cucumber::World for VppWorld {
    type Error = std::convert::Infallible;

    async fn new() -> Result<Self, Self::Error> {
        Ok(Self::default())
    }
}

impl VppWorld {
    pub fn ctx(&self) -> Arc<RunContext> {
        self.ctx.clone().expect("the runner's before hook sets the run context")
    }

    /// Sends a request and keeps the exchange as the scenario's last one.
    pub async fn send(&mut self, method: &str, url: &str, body: Option<&str>, accept: Option<&str>) -> &Exchange {
        let client = self.ctx().client.clone();
        self.send_with(&client, method, url, body, accept).await
    }

    /// As [`send`](Self::send), through another client (one without credentials, say).
    pub async fn send_with(
        &mut self,
        client: &Client,
        method: &str,
        url: &str,
        body: Option<&str>,
        accept: Option<&str>,
    ) -> &Exchange {
        let exchange = client.send(method, url, body, accept).await;
        client.credit_retries(&self.scenario, &exchange);
        if let Some(why) = &exchange.withheld {
            // Not judged: the run stopped, or the target is down.
            withheld(why.clone())
        }
        self.last.insert(exchange)
    }

    pub fn exchange(&self) -> &Exchange {
        self.last.as_ref().unwrap_or_else(|| self.fail_with(Failure::suite("no request was sent before this step")))
    }

    /// The reply of the last exchange; a transport failure fails the step with its kind.
    pub fn reply(&self) -> &Reply {
        let exchange = self.exchange();
        match &exchange.outcome {
            Ok(reply) => reply,
            // The exchange, appended by `fail_with`, says what was requested and why nothing came.
            Err(e) => self.fail_with(Failure::transport(e)),
        }
    }

    /// The last reply's body as JSON.
    pub fn json(&self) -> Value {
        let reply = self.reply();
        serde_json::from_slice(&reply.body).unwrap_or_else(|e| self.fail(format!("the response body is not JSON: {e}")))
    }

    /// Fails the step with a finding: what was expected and what came.
    pub fn fail(&self, message: String) -> ! {
        self.fail_with(Failure::finding(message))
    }

    /// Fails the step: the failure, with the errata decision it rests on and the last exchange,
    /// every known secret replaced. The runner reads the failure's kind, never its words.
    pub fn fail_with(&self, mut failure: Failure) -> ! {
        let redactor = self.ctx.as_ref().map(|c| c.client.redactor().clone()).unwrap_or_default();
        failure.message = redactor.redact(&failure.message);
        if let Some(section) = super::decisions::decision_for(&self.scenario) {
            failure.decision = Some(format!("{} › {section}", super::decisions::ERRATA));
        }
        if let Some(exchange) = &self.last {
            failure.exchange = Some(exchange.describe(&redactor));
        }
        std::panic::resume_unwind(Box::new(failure))
    }

    /// Records the warnings, and says what failed, if anything: a step returns it.
    pub fn judge(&self, findings: Findings, what: &str) -> Result<(), String> {
        let ctx = self.ctx();
        for w in findings.warnings.iter() {
            ctx.warn(&self.scenario, w.clone());
        }
        if findings.is_ok() { Ok(()) } else { Err(format!("{what}:\n{}", findings.failure_text())) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Reply;

    #[test]
    fn the_debug_form_never_spells_out_a_body() {
        let secretish = "x".repeat(1 << 20);
        let world = VppWorld {
            scenario: "UEM-ANY-002".into(),
            last: Some(Exchange {
                method: "GET".into(),
                url: "http://t/x".into(),
                request_body: None,
                outcome: Ok(Reply {
                    status: 200,
                    redirected_to: None,
                    content_type: None,
                    body: secretish.clone().into_bytes(),
                    held: None,
                }),
                elapsed: std::time::Duration::ZERO,
                withheld: None,
                retried: Vec::new(),
                shared: false,
            }),
            ..VppWorld::default()
        };
        // cucumber formats the World this way on every failed step.
        let shown = format!("{world:#?}");
        assert!(shown.len() < 300, "{} bytes", shown.len());
        assert!(shown.contains("UEM-ANY-002") && shown.contains("1048576 bytes"), "{shown}");
    }

    #[test]
    fn a_finding_met_for_many_accounts_is_one_warning_with_a_count() {
        let client = Client::new(crate::http::ClientOptions::default(), Default::default()).unwrap();
        let ctx = RunContext {
            vpp_base: String::new(),
            uem_base: String::new(),
            tenant: "T".into(),
            second_tenant: None,
            client,
            seed: 0,
            max_requests: 1,
            concurrency: 1,
            warnings: Mutex::default(),
            coverage: Mutex::default(),
            listing: Default::default(),
            needs_canonical_data: Default::default(),
        };
        for i in 0..500 {
            let guid = format!("00000000-0000-4000-8000-{i:012x}");
            ctx.warn(
                "UEM-ANY-009",
                format!("GET …/vppAccounts/{guid}.createdBy: a field the documentation does not show"),
            );
            ctx.warn("UEM-ANY-001", format!("$.vppAccounts[{i}].extra: a field the documentation does not show"));
        }
        ctx.warn("UEM-ANY-001", "another finding".into());
        ctx.warn("UEM-ANY-001", "another finding".into());
        let warnings = ctx.take_warnings();
        assert_eq!(warnings.len(), 3, "{warnings:#?}");
        assert!(warnings[0].1.ends_with("(and 499 more like it)"), "{warnings:#?}");
        assert!(
            warnings[1].1.starts_with("$.vppAccounts[0].extra") && warnings[1].1.ends_with("(and 499 more like it)")
        );
        assert_eq!(warnings[2].1, "another finding", "an identical warning is kept once, not counted");
        ctx.note_coverage("UEM-ANY-004", "no escaped name to ask".into());
        assert_eq!(ctx.take_coverage(), vec![("UEM-ANY-004".to_owned(), "no escaped name to ask".to_owned())]);
    }
}
