//! Identical reads answered once: a `GET` that scenarios send alike (the same URL, headers and
//! redirect policy) goes to the target once, and each scenario that asks for it takes that
//! answer, whether it asks while the first is under way or after.
//!
//! The target's data does not change during a run (a provider state is set up before the first
//! scenario and taken down after the last), and a `GET` is safe (RFC 9110, 9.2.1): the answer a
//! scenario would get on its own is the one it takes. What is kept for later is only an answer
//! of the target's own, got at once and not a 5xx: a transport error or a 5xx goes only to the
//! identical requests asked while it was under way (the target gave them no other answer), and
//! one asked later sends its own; nothing is shared of a request withheld or answered only after
//! it was sent again (`--retries`, which makes its scenario flaky). Nor is an answer expected
//! or found large (over [`MAX_SHARED_BODY`]), nor any once what is kept reaches
//! [`SHARED_BUDGET`]: what the run holds still follows its data, not the number of its requests.
//!
//! Fewer requests are the target's gain and the run's: over a slow network a run is as long as
//! its requests divided by the origin's limit, times the round trip.

use super::exchange::Reply;
use crate::outcome::TransportError;
use crate::sync::Locked;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The largest body shared: the answers to one account, a few accounts, a query that finds
/// none. A list of a whole large tenant is sent for each scenario that asks for it.
pub const MAX_SHARED_BODY: usize = 64 * 1024;
/// The most bytes the answers kept for later hold in all, their requests' keys counted (the
/// default run keeps some 330 KiB; `@any-data` on 10 000 accounts reaches it).
pub const SHARED_BUDGET: usize = 1024 * 1024;

/// An answer as the first request of its kind got it: the reply (holding no share of its
/// origin's body budget) and how long it took.
#[derive(Debug, Clone)]
pub struct SharedAnswer {
    pub reply: Reply,
    pub elapsed: Duration,
}

/// What the first request of its kind leaves for the identical ones.
#[derive(Debug, Clone)]
pub enum Left {
    /// Its answer, for every identical request, asked meanwhile or later.
    Answer(SharedAnswer),
    /// No answer came (a timeout, a reset), or a 5xx: what the identical requests asked
    /// meanwhile take; one asked later sends its own.
    Meanwhile(Result<Reply, TransportError>, Duration),
    /// Nothing: each identical request sends its own.
    Nothing,
}

/// What every identical request takes (see [`Left`]).
pub type Slot = Arc<OnceCell<Left>>;

/// The run's shared answers, by request.
#[derive(Default)]
pub struct SharedAnswers {
    state: Mutex<State>,
}

/// Counts only: a key holds the headers a request sends, credentials among them.
impl fmt::Debug for SharedAnswers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.locked();
        f.debug_struct("SharedAnswers").field("slots", &state.slots.len()).field("held", &state.held).finish()
    }
}

#[derive(Default)]
struct State {
    /// Slots under way, and those that kept an answer.
    slots: HashMap<String, Slot>,
    held: usize,
}

impl SharedAnswers {
    /// The slot of the request `key` names (see [`key`]): the one under way or kept, or a fresh
    /// one (a slot that left nothing for later is forgotten as it is filled, so the request asking
    /// after it sends, and the identical ones asked meanwhile take what it leaves).
    pub fn slot(&self, key: &str) -> Slot {
        let mut state = self.state.locked();
        if let Some(slot) = state.slots.get(key) {
            return slot.clone();
        }
        let slot = Slot::default();
        state.slots.insert(key.to_owned(), slot.clone());
        slot
    }

    /// What the first request of its kind leaves for the others, given what became of it
    /// (`sent_again`: it was answered only after a resend): its reply, when it was answered at
    /// once, is no 5xx, is small enough and the budget has room for it, kept; a transport error
    /// or a 5xx, for those asked meanwhile. A slot that keeps nothing is forgotten.
    pub fn leave(
        &self,
        key: &str,
        outcome: &Result<Reply, TransportError>,
        elapsed: Duration,
        sent_again: bool,
    ) -> Left {
        let mut left = match outcome {
            _ if sent_again => Left::Nothing,
            Err(e) => Left::Meanwhile(Err(e.clone()), elapsed),
            Ok(reply) if reply.body.len() > MAX_SHARED_BODY => Left::Nothing,
            Ok(reply) => {
                let reply = Reply { held: None, ..reply.clone() };
                if reply.status >= 500 {
                    Left::Meanwhile(Ok(reply), elapsed)
                } else {
                    Left::Answer(SharedAnswer { reply, elapsed })
                }
            }
        };
        let mut state = self.state.locked();
        let cost = key.len() + outcome.as_ref().map_or(0, |r| r.body.len());
        if let Left::Answer(_) = left {
            if state.held + cost <= SHARED_BUDGET {
                state.held += cost;
                return left;
            }
            left = Left::Nothing;
        }
        state.slots.remove(key);
        left
    }

    /// The first request of its kind leaves nothing (it was withheld): the slot is forgotten.
    pub fn leave_nothing(&self, key: &str) -> Left {
        self.state.locked().slots.remove(key);
        Left::Nothing
    }
}

/// What makes two requests identical: the method, the URL, whether redirects are followed, and
/// every header sent, in order (the credentials among them: a request without them is another
/// request). `None` for a request that is not shared: one with a body, not a `GET`, or one whose
/// answer is expected to be larger than [`MAX_SHARED_BODY`] (those asking meanwhile would wait
/// for it, then send their own).
pub fn key<'a>(
    method: &str,
    url: &str,
    follows_redirects: bool,
    (has_body, expected): (bool, Option<usize>),
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<String> {
    if method != "GET" || has_body || expected.is_some_and(|bytes| bytes > MAX_SHARED_BODY) {
        return None;
    }
    let mut key = format!("{follows_redirects}\n{url}\n");
    for (name, value) in headers {
        key.push_str(&name.to_ascii_lowercase());
        key.push(':');
        key.push_str(value);
        key.push('\n');
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::TransportKind;

    fn reply(status: u16, bytes: usize) -> Result<Reply, TransportError> {
        Ok(Reply { status, redirected_to: None, content_type: None, body: vec![b'x'; bytes], held: None })
    }

    #[test]
    fn only_a_small_get_without_a_body_has_a_key_and_headers_tell_requests_apart() {
        let h = |v: &'static str| [("Accept", "application/json"), ("Authorization", v)].into_iter();
        let get = (false, None);
        assert!(key("POST", "http://t/a", true, get, h("x")).is_none());
        assert!(key("GET", "http://t/a", true, (true, None), h("x")).is_none());
        assert!(key("GET", "http://t/a", true, (false, Some(MAX_SHARED_BODY + 1)), h("x")).is_none());
        let a = key("GET", "http://t/a", true, get, h("x")).unwrap();
        assert_eq!(Some(&a), key("GET", "http://t/a", true, (false, Some(100)), h("x")).as_ref());
        assert_ne!(Some(&a), key("GET", "http://t/a", true, get, h("y")).as_ref());
        assert_ne!(Some(&a), key("GET", "http://t/a", false, get, h("x")).as_ref());
        assert_ne!(Some(&a), key("GET", "http://t/b", true, get, h("x")).as_ref());
        assert_ne!(
            Some(&a),
            key("GET", "http://t/a", true, get, [("Accept", "application/json")].into_iter()).as_ref()
        );
    }

    fn kept(left: &Left) -> bool {
        matches!(left, Left::Answer(_))
    }

    #[test]
    fn only_small_answers_got_at_once_below_500_are_kept_within_the_budget() {
        let shared = SharedAnswers::default();
        let z = Duration::ZERO;
        assert!(kept(&shared.leave("k", &reply(404, 10), z, false)), "a 404 is an answer");
        assert!(!kept(&shared.leave("k", &reply(200, 10), z, true)), "answered only after a resend");
        assert!(!kept(&shared.leave("k", &reply(200, MAX_SHARED_BODY + 1), z, false)));
        assert!(matches!(shared.leave("k", &reply(500, 10), z, false), Left::Meanwhile(Ok(r), _) if r.status == 500));
        let reset = TransportError::new(TransportKind::Reset, "reset");
        assert!(matches!(shared.leave("k", &Err(reset.clone()), z, false), Left::Meanwhile(Err(e), _) if e == reset));
        assert!(matches!(shared.leave("k", &Err(reset), z, true), Left::Nothing));
        // The key's bytes count: sixteen answers of a key and a body fill the budget.
        let shared = SharedAnswers::default();
        let mut n = 0;
        while kept(&shared.leave("k", &reply(200, MAX_SHARED_BODY - 1), z, false)) {
            n += 1;
        }
        assert_eq!(n, SHARED_BUDGET / MAX_SHARED_BODY);
        assert!(!kept(&shared.leave("k", &reply(200, 1), z, false)));
    }

    #[test]
    fn a_slot_that_kept_nothing_is_forgotten_and_the_next_asker_sends() {
        let shared = SharedAnswers::default();
        let first = shared.slot("k");
        let left = shared.leave("k", &Err(TransportError::new(TransportKind::Reset, "reset")), Duration::ZERO, false);
        first.set(left).unwrap();
        assert_eq!(shared.state.locked().slots.len(), 0, "forgotten");
        let next = shared.slot("k");
        assert!(!Arc::ptr_eq(&first, &next) && next.get().is_none(), "a fresh slot: the next asker sends");
        assert!(format!("{shared:?}").contains("slots: 1"), "Debug says counts, never keys");
    }
}
