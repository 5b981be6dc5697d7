//! vpp-conformance: the documented contract of Apple's VPP service configuration endpoint and
//! of the UEM Apple VPP account resource, as Gherkin features run against any base URL.
//!
//! Layers, lowest first (a lower layer never imports a higher one):
//! `catalog` (the embedded contract and the documented facts) and `sync` · `outcome` (the results model) ·
//! `redact` · `gate` (whether the run goes on) · `checks` (plain functions, no cucumber) ·
//! `http` (one bounded exchange) · `steps` (thin cucumber glue) · `config` ·
//! `runner` (one run in named stages) · `report` (summary, reports, seal, diff, merge: it reads
//! only results, never `runner`) · `app` (run, then export; merge; serve) · `cli` (the grammar, the
//! signals and the exit status).
//! `reference`, the built-in target, stands apart: it reads only the catalog and `sync`, and only `app`
//! starts it (for a run with no base URL, and for `serve`).

pub mod app;
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod config;
pub mod gate;
pub mod http;
pub mod openapi;
pub mod outcome;
pub mod redact;
pub mod reference;
pub mod report;
pub mod runner;
pub mod steps;
pub mod sync;
