//! The tests that run the suite inside this process (`support::in_process`, `support::hostile`):
//! its verdict on the reference target and its seeded defects, on generated tenants, on hostile
//! and slow targets, over TLS and through proxies; and the checks of the house itself (the
//! layers, the embedded contract, the snapshots). One binary, so the crate and its dependencies
//! are linked once; the runs take their turn (see `support::in_process::in_turn`).

#[path = "../support/mod.rs"]
mod support;

mod any_data;
mod any_data_tenants;
mod auth;
mod blind_spots;
mod catalog;
mod data_up_front;
mod hostile_bodies;
mod hostile_redirects;
mod hostile_secrets;
mod hostile_transport;
mod layers;
mod levels;
mod politeness;
mod provider_states;
mod reference_endpoints;
mod sizes;
mod snapshots;
mod tls;
mod tls_support;
mod verdict;
