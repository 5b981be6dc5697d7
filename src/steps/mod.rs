//! The step definitions: thin glue from Gherkin sentences to `client` and `checks`.
//! Registered explicitly (not through inventory) so the library links the same way in the binary
//! and in tests.
//!
//! A step is a plain `async fn(&mut VppWorld, Context) -> StepResult`: it reads its typed
//! captures with [`capture`], calls one function of `client` or `checks`, and returns `Err` with
//! what was expected and what came; [`step!`] makes it the function cucumber stores, which fails
//! the step with that message and the exchange behind it.

/// The function cucumber stores for an `async fn(&mut VppWorld, Context) -> StepResult`.
macro_rules! step {
    ($body:path) => {{
        fn boxed<'a>(
            w: &'a mut $crate::steps::VppWorld,
            ctx: ::cucumber::step::Context,
        ) -> ::futures::future::LocalBoxFuture<'a, ()> {
            Box::pin(async move {
                if let Err(message) = $body(&mut *w, ctx).await {
                    w.fail(message)
                }
            })
        }
        boxed as $crate::steps::StepFn
    }};
}

pub mod any_data;
pub mod apple_vpp;
pub mod auth;
pub mod common;
pub mod decisions;
pub mod listing;
pub mod uem;
pub mod world;

pub use world::{RunContext, VppWorld};

use cucumber::step::{Collection, Context};
use futures::future::LocalBoxFuture;

/// A step function, as cucumber stores it.
pub type StepFn = for<'a> fn(&'a mut VppWorld, Context) -> LocalBoxFuture<'a, ()>;

/// What a step returns: `Err` with what was expected and what came.
pub type StepResult = Result<(), String>;

/// The n-th capture of a step's pattern (1-based) as a `T`: `what` names it in the error.
pub fn capture<T: std::str::FromStr>(ctx: &Context, n: usize, what: &str) -> Result<T, String> {
    let text = arg(ctx, n);
    text.parse()
        .map_err(|_| format!("the step's {what} {text:?} is not what the step takes (a bug of the feature file)"))
}

fn re(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).unwrap_or_else(|e| panic!("step pattern {pattern}: {e}"))
}

/// Every step of the suite.
pub fn collection() -> Collection<VppWorld> {
    collection_where(|_| true)
}

/// The steps that the sentences `texts` (the steps of the selected scenarios) may use: a pattern
/// whose literal start no sentence begins with can match none of them, and is not compiled
/// (compiling every pattern was a sixth of a short run's start).
pub fn collection_for<'a>(texts: impl IntoIterator<Item = &'a str>) -> Collection<VppWorld> {
    let texts: Vec<&str> = texts.into_iter().collect();
    collection_where(|pattern| {
        let start = literal_start(pattern);
        texts.iter().any(|t| t.starts_with(start))
    })
}

/// Starts compiling the schemas the sentences `texts` name (`… valid against the schema "NAME"`),
/// beside the rest of the run's start.
pub fn compile_schemas_ahead<'a>(texts: impl IntoIterator<Item = &'a str>) {
    crate::checks::schema::compile_ahead(schemas_named(texts));
}

/// The schemas the sentences `texts` name, each once.
fn schemas_named<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = texts
        .into_iter()
        .filter_map(|t| t.split_once(" against the schema \"")?.1.split_once('"'))
        .map(|(name, _)| name.to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn collection_where(wanted: impl Fn(&str) -> bool) -> Collection<VppWorld> {
    let mut c = Collection::new();
    for (pattern, step) in common::WHEN.iter().chain(uem::WHEN).chain(auth::WHEN).filter(|(p, _)| wanted(p)) {
        let re = re(pattern);
        c = c.given(None, re.clone(), *step).when(None, re, *step);
    }
    for (pattern, step) in any_data::GIVEN.iter().filter(|(p, _)| wanted(p)) {
        c = c.given(None, re(pattern), *step);
    }
    let then = common::THEN.iter().chain(apple_vpp::THEN).chain(uem::THEN).chain(auth::THEN).chain(any_data::THEN);
    for (pattern, step) in then.filter(|(p, _)| wanted(p)) {
        c = c.then(None, re(pattern), *step);
    }
    c
}

/// The text every match of an anchored pattern (`^…`) begins with: its characters up to the first
/// one regex syntax gives a meaning, less the last when a quantifier follows it (`^the items?`:
/// `the item`). An unanchored pattern may match anywhere: nothing.
fn literal_start(pattern: &str) -> &str {
    let Some(rest) = pattern.strip_prefix('^') else { return "" };
    let end = rest.find(|c: char| "\\.+*?()[]{}|^$".contains(c)).unwrap_or(rest.len());
    let quantified = rest[end..].starts_with(['?', '*', '+', '{']);
    let end = if quantified { rest[..end].char_indices().last().map_or(0, |(i, _)| i) } else { end };
    &rest[..end]
}

/// The n-th regex capture of a step (1-based, as in the pattern).
pub fn arg(ctx: &Context, n: usize) -> &str {
    ctx.matches.get(n).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// The rows of a step's data table, header row excluded, as maps from column name to cell.
pub fn table_rows(ctx: &Context) -> Vec<std::collections::HashMap<String, String>> {
    let Some(table) = ctx.step.table.as_ref() else {
        return Vec::new();
    };
    let Some((header, rows)) = table.rows.split_first() else {
        return Vec::new();
    };
    rows.iter().map(|row| header.iter().cloned().zip(row.iter().cloned()).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_begins_with_its_literal_start() {
        assert_eq!(literal_start(r"^the response status is (\d{3})$"), "the response status is ");
        assert_eq!(
            literal_start(r"^each of these fields holds an http\(s\) URL:$"),
            "each of these fields holds an http"
        );
        assert_eq!(literal_start(r"^the responses? lists? (.+)$"), "the response");
        assert_eq!(literal_start(r"^the item{2} x$"), "the ite");
        assert_eq!(literal_start(r"^é+$"), "");
        assert_eq!(literal_start(r"^exactly this$"), "exactly this");
        assert_eq!(literal_start(r"(?i)^the response$"), "", "not anchored first: it may match anywhere");
        assert_eq!(literal_start("no anchor"), "");
    }

    /// Every step of every embedded feature finds its pattern among those compiled for it alone,
    /// and the same one the whole collection gives: leaving patterns out changes no match.
    /// The schemas compiled ahead are those the steps name: all four, over the whole catalogue.
    #[test]
    fn the_schemas_compiled_ahead_are_those_the_steps_name() {
        let features = crate::catalog::features();
        let scenarios =
            features.iter().flat_map(|f| f.scenarios.iter().chain(f.rules.iter().flat_map(|r| &r.scenarios)));
        let named = schemas_named(scenarios.flat_map(|s| &s.steps).map(|s| s.value.as_str()));
        assert_eq!(named, ["service-config", "vpp-account", "vpp-account-any-data", "vpp-account-list"]);
        let one = ["the response status is 200", "the response body is valid against the schema \"vpp-account\""];
        assert_eq!(schemas_named(one), ["vpp-account"]);
    }

    #[test]
    fn the_steps_compiled_for_a_selection_match_as_the_whole_collection_does() {
        let all = collection();
        let found = |c: &Collection<VppWorld>, step: &cucumber::gherkin::Step| {
            let (step_fn, ..) = c.find(step).expect("no ambiguous match").expect("a step matches");
            *step_fn as usize
        };
        let mut checked = 0;
        for f in crate::catalog::features() {
            let backgrounds = f.background.iter().chain(f.rules.iter().flat_map(|r| &r.background));
            let scenarios = f.scenarios.iter().chain(f.rules.iter().flat_map(|r| &r.scenarios));
            let steps = backgrounds.flat_map(|b| &b.steps).chain(scenarios.flat_map(|s| &s.steps));
            for step in steps {
                let alone = collection_for([step.value.as_str()]);
                assert_eq!(found(&alone, step), found(&all, step), "{:?}", step.value);
                checked += 1;
            }
        }
        assert!(checked > 150, "read too few steps: {checked}");
    }
}
