//! One bounded exchange with a target. Whatever the target does (refuse, hang, drip bytes,
//! stream a gigabyte, redirect forever) the exchange ends within the timeout with a reason, and
//! holds at most [`MAX_BODY_BYTES`] of body. What was sent and what came back is recorded with
//! secrets already replaced, so that no later layer can leak them. A request is not sent when
//! the run's [`Gate`](crate::gate::Gate) is stopped or its origin is down, and one in flight when
//! the run stops is dropped: [`Exchange::withheld`] says why.
//!
//! - [`client`]: the [`Client`] the steps use, and how a request waits its turn, pushed back or
//!   retried;
//! - [`origin`]: one controller per origin: whether it answered or is down, its limit of requests
//!   at once, its pace, its bodies' size;
//! - [`pace`]: how fast requests leave for one origin, learned from push-back (AIMD);
//! - [`options`]: what a client is set up with, and one request as asked;
//! - [`exchange`]: one request and its reply within the body cap, told to people;
//! - [`error`]: transport errors classified by their sources;
//! - [`politeness`]: the run's rate limit and push-back budget, retries, what was sent;
//! - [`shared`]: identical reads sent once, their answer taken by each scenario that asks;
//! - [`limit`]: how many requests an origin takes at once, learned from its latencies;
//! - [`tls`]: CA certificates and client identity;
//! - [`malloc`]: glibc told to give large bodies back, once a run receives them;
//! - [`units`]: sizes and durations in words.

pub mod client;
pub mod error;
pub mod exchange;
pub mod limit;
pub mod malloc;
pub mod options;
pub mod origin;
pub mod pace;
pub mod politeness;
pub mod shared;
pub mod tls;
pub mod units;

pub use client::Client;
pub use exchange::{Exchange, Reply};
pub use options::{ClientOptions, DEFAULT_MAX_PUSHBACKS, MAX_BODY_BYTES, MAX_REDIRECTS};
pub use origin::{Learned, origin};
pub use politeness::{RateLimit, Traffic, parse_retry_after};
pub use tls::{check_identity, warm_up};
pub use units::{human_duration, human_size};
