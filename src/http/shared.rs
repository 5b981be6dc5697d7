//! Identical reads answered once: a `GET` that scenarios send alike (the same URL, headers and
//! redirect policy) goes to the target once, and each scenario that asks for it takes that
//! answer, whether it asks while the first is under way or after.
//!
//! The target's data does not change during a run (a provider state is set up before the first
//! scenario and taken down after the last), and a `GET` is safe (RFC 9110, 9.2.1): the answer a
//! scenario would get on its own is the one it takes. What is shared is only an answer of the
//! target's own, got at once: a transport error, a request withheld, or one answered only after
//! it was sent again (`--retries`, which makes its scenario flaky) is not, and each scenario that
//! asks for it later sends its own (one asked while it was under way takes its transport error:
//! the target gave it no answer either). Nor is a large answer (over [`MAX_SHARED_BODY`]), nor any
//! once the answers kept reach [`SHARED_BUDGET`]: what the run holds still follows its
//! data, not the number of its requests.
//!
//! Fewer requests are the target's gain and the run's: over a slow network a run is as long as
//! its requests divided by the origin's limit, times the round trip.

use super::exchange::Reply;
use crate::outcome::TransportError;
use crate::sync::Locked;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The largest body shared: the answers to one account, a few accounts, a query that finds
/// none. A list of a whole large tenant is sent for each scenario that asks for it.
pub const MAX_SHARED_BODY: usize = 64 * 1024;
/// The most body bytes the shared answers hold in all; past it, no answer is kept for later (the
/// default run keeps some 250 KiB; `@any-data` on 10 000 accounts reaches it, with some 1 600
/// requests' keys, 260 KiB).
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
    /// No answer came (a timeout, a reset): what the identical requests asked meanwhile take, as
    /// the target gave them no answer either; one asked later sends its own (a fresh slot).
    Unanswered(TransportError, Duration),
    /// Nothing: each identical request sends its own.
    Nothing,
}

/// What every identical request takes (see [`Left`]).
pub type Slot = Arc<OnceCell<Left>>;

/// The run's shared answers, by request.
#[derive(Debug, Default)]
pub struct SharedAnswers {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    slots: HashMap<String, Slot>,
    held: usize,
}

impl SharedAnswers {
    /// The slot of the request `key` names (see [`key`]): the one the first request fills, or a
    /// fresh one when that request left no answer (the request asking now sends, and the
    /// identical ones asked meanwhile take what it leaves).
    pub fn slot(&self, key: String) -> Slot {
        let mut state = self.state.locked();
        let slot = state.slots.entry(key).or_default();
        if matches!(slot.get(), Some(Left::Unanswered(..) | Left::Nothing)) {
            *slot = Slot::default();
        }
        slot.clone()
    }

    /// What the first request of its kind leaves for the others, given what became of it
    /// (`sent_again`: it was answered only after a resend): its reply, when it was answered at
    /// once, is small enough and the budget has room for it; the transport error that ended it.
    pub fn leave(&self, outcome: &Result<Reply, TransportError>, elapsed: Duration, sent_again: bool) -> Left {
        let reply = match outcome {
            _ if sent_again => return Left::Nothing,
            Err(e) => return Left::Unanswered(e.clone(), elapsed),
            Ok(reply) if reply.body.len() > MAX_SHARED_BODY => return Left::Nothing,
            Ok(reply) => reply,
        };
        let mut state = self.state.locked();
        if state.held + reply.body.len() > SHARED_BUDGET {
            return Left::Nothing;
        }
        state.held += reply.body.len();
        Left::Answer(SharedAnswer { reply: Reply { held: None, ..reply.clone() }, elapsed })
    }
}

/// What makes two requests identical: the method, the URL, whether redirects are followed, and
/// every header sent, in order (the credentials among them: a request without them is another
/// request). `None` for a request that is not shared: one with a body, or not a `GET`.
pub fn key<'a>(
    method: &str,
    url: &str,
    follows_redirects: bool,
    has_body: bool,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<String> {
    if method != "GET" || has_body {
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

    fn reply(bytes: usize) -> Reply {
        Reply { status: 200, redirected_to: None, content_type: None, body: vec![b'x'; bytes], held: None }
    }

    #[test]
    fn only_a_get_without_a_body_has_a_key_and_headers_tell_requests_apart() {
        let h = |v: &'static str| [("Accept", "application/json"), ("Authorization", v)].into_iter();
        assert!(key("POST", "http://t/a", true, true, h("x")).is_none());
        assert!(key("GET", "http://t/a", true, true, h("x")).is_none());
        let a = key("GET", "http://t/a", true, false, h("x")).unwrap();
        assert_eq!(Some(&a), key("GET", "http://t/a", true, false, h("x")).as_ref());
        assert_ne!(Some(&a), key("GET", "http://t/a", true, false, h("y")).as_ref());
        assert_ne!(Some(&a), key("GET", "http://t/a", false, false, h("x")).as_ref());
        assert_ne!(Some(&a), key("GET", "http://t/b", true, false, h("x")).as_ref());
        assert_ne!(
            Some(&a),
            key("GET", "http://t/a", true, false, [("Accept", "application/json")].into_iter()).as_ref()
        );
    }

    fn kept(left: Left) -> bool {
        matches!(left, Left::Answer(_))
    }

    #[test]
    fn large_resent_or_over_budget_answers_are_not_kept_and_errors_are_left_as_such() {
        let shared = SharedAnswers::default();
        let z = Duration::ZERO;
        assert!(!kept(shared.leave(&Ok(reply(10)), z, true)));
        assert!(!kept(shared.leave(&Ok(reply(MAX_SHARED_BODY + 1)), z, false)));
        let reset = TransportError::new(crate::outcome::TransportKind::Reset, "reset");
        assert!(matches!(shared.leave(&Err(reset.clone()), z, false), Left::Unanswered(e, _) if e == reset));
        assert!(matches!(shared.leave(&Err(reset), z, true), Left::Nothing));
        let mut n = 0;
        while kept(shared.leave(&Ok(reply(MAX_SHARED_BODY)), z, false)) {
            n += 1;
        }
        assert_eq!(n, SHARED_BUDGET / MAX_SHARED_BODY);
        assert!(!kept(shared.leave(&Ok(reply(1)), z, false)));
    }
}
