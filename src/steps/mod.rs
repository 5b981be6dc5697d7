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
    let mut c = Collection::new();
    for (pattern, step) in common::WHEN {
        c = c.given(None, re(pattern), *step).when(None, re(pattern), *step);
    }
    for (pattern, step) in any_data::GIVEN {
        c = c.given(None, re(pattern), *step);
    }
    for (pattern, step) in
        common::THEN.iter().chain(apple_vpp::THEN).chain(uem::THEN).chain(auth::THEN).chain(any_data::THEN)
    {
        c = c.then(None, re(pattern), *step);
    }
    for (pattern, step) in uem::WHEN.iter().chain(auth::WHEN) {
        c = c.given(None, re(pattern), *step).when(None, re(pattern), *step);
    }
    c
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
