//! What the `@any-data` scenarios share: the target's listing, gathered once per run. Below the
//! step modules, so that the World can hold it without using them.

use crate::checks::query_oracle::Oracle;
use crate::http::Exchange;
use crate::outcome::{Failure, Withheld};
use serde_json::Value;
use serde_json::value::RawValue;

/// What the target lists, gathered once per run and shared by every `@any-data` scenario: a
/// tenant of 50 000 accounts is downloaded and parsed once, and held as JSON text (about the size
/// of its body) with the oracle's compact view, not once per scenario.
#[derive(Debug, Default)]
pub struct Listing {
    pub accounts: Vec<Box<RawValue>>,
    /// The query rules' view of the accounts that have a GUID.
    pub oracle: Oracle,
    /// What each scenario reports about the listing (it is each scenario's background).
    pub warnings: Vec<String>,
    /// Why the accounts cannot be listed, with the exchange that shows it.
    pub failure: Option<(Failure, Option<Exchange>)>,
    /// Why the scenarios are not judged on a listing: the run stopped, or the target is down.
    pub withheld: Option<Withheld>,
}

impl Listing {
    /// One listed account as JSON, for the checks that look at every field.
    pub(super) fn account(&self, i: usize) -> Value {
        serde_json::from_str(self.accounts[i].get()).unwrap_or(Value::Null)
    }
}
