//! One bounded exchange with a target. Whatever the target does (refuse, hang, drip bytes,
//! stream a gigabyte, redirect forever) the exchange ends within the timeout with a reason, and
//! holds at most [`MAX_BODY_BYTES`] of body. What was sent and what came back is recorded with
//! secrets already replaced, so that no later layer can leak them. A request the run's
//! [`Gate`](crate::gate::Gate) refuses (the run stopped, the target known to be down) is not sent,
//! and one in flight when the run stops is dropped: [`Exchange::not_run`] says why.
//!
//! - [`client`]: the [`Client`] the steps use, and how a request waits its turn;
//! - [`options`]: what a client is set up with, and one request as asked;
//! - [`exchange`]: one request and its reply within the body cap, told to people;
//! - [`error`]: transport errors classified by their sources;
//! - [`politeness`]: rate limit, push-back, retries, what was sent;
//! - [`limit`]: how many requests an origin takes at once, learned from its latencies;
//! - [`tls`]: CA certificates and client identity;
//! - [`units`]: sizes and durations in words.

pub mod client;
pub mod error;
pub mod exchange;
pub mod limit;
pub mod options;
pub mod politeness;
pub mod tls;
pub mod units;

pub use client::Client;
pub use exchange::{Exchange, Reply};
pub use options::{ClientOptions, MAX_BODY_BYTES, MAX_REDIRECTS};
pub use politeness::{RateLimit, Traffic, parse_retry_after};
pub use tls::{check_identity, warm_up};
pub use units::{human_duration, human_size};
