//! vpp-conformance: the documented contract of Apple's VPP service configuration endpoint and
//! of the UEM Apple VPP account resource, as Gherkin features run against any base URL.
//!
//! Layers, lowest first (a lower layer never imports a higher one):
//! `catalog` (the embedded contract) · `redact` · `gate` (whether a request may still go out) ·
//! `client` (one bounded exchange) ·
//! `checks` (plain functions, no cucumber) · `reference` (the built-in target, shares no
//! matching code with `checks`) · `steps` (thin cucumber glue) · `config` · `runner` · `cli`.

pub mod catalog;
pub mod checks;
pub mod cli;
pub mod client;
pub mod config;
pub mod config_file;
pub mod gate;
pub mod openapi;
pub mod redact;
pub mod reference;
pub mod report;
pub mod runner;
pub mod steps;
