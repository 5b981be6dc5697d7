//! What the `@any-data` scenarios share: the target's listing, gathered once per run. Below the
//! step modules, so that the World can hold it without using them.

use crate::checks::accounts;
use crate::checks::query_oracle::{Listed, Oracle};
use crate::http::Exchange;
use crate::outcome::{Failure, Withheld};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::HashMap;

/// What the target lists, gathered once per run and shared by every `@any-data` scenario: a
/// tenant of 50 000 accounts is downloaded and parsed once, and held as JSON text (about the size
/// of its body) with the oracle's compact view, not once per scenario.
#[derive(Debug, Default)]
pub struct Listing {
    pub accounts: Vec<Box<RawValue>>,
    /// The average size of a listed account's JSON, in bytes: what an answer listing `n` of them
    /// is expected to hold.
    pub bytes_per_account: usize,
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

/// The accounts gathered so far from the lists a target answers, each once (by its GUID in any
/// letter case), kept as no more than what the scenarios read: each account's JSON text, and the
/// query rules' view of it. A list is read from its body without copying it, and only the
/// accounts not gathered yet are kept, so gathering holds one list's body at most besides them.
#[derive(Debug, Default)]
pub struct Gathered {
    accounts: Vec<Box<RawValue>>,
    view: Vec<Listed>,
    /// Each gathered GUID, folded to lower case, and the account's position.
    seen: HashMap<String, usize>,
}

impl Gathered {
    /// Keeps an account unless its GUID was gathered already, whose position it then returns. An
    /// account without a GUID is kept, for the schema to judge.
    pub fn add(&mut self, raw: &RawValue) -> Option<usize> {
        let brief = accounts::brief(raw.get());
        if let Some(guid) = &brief.guid {
            let key = guid.to_ascii_lowercase();
            if let Some(&at) = self.seen.get(&key) {
                return Some(at);
            }
            self.seen.insert(key, self.accounts.len());
        }
        if let Some(guid) = brief.guid {
            self.view.push(Listed { guid, name: brief.name, expiry: brief.expiry });
        }
        self.accounts.push(raw.to_owned());
        None
    }

    /// How many accounts with a GUID were gathered.
    pub fn with_guid(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The listing's accounts and oracle.
    pub fn into_listing(self, listing: &mut Listing) {
        let bytes: usize = self.accounts.iter().map(|a| a.get().len()).sum();
        listing.bytes_per_account = bytes / self.accounts.len().max(1) + 1;
        listing.oracle = Oracle::new(self.view);
        listing.accounts = self.accounts;
    }
}
