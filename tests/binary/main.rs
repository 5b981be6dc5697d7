//! The tests that drive the built executable as users and CI jobs do (`support::binary`): its
//! arguments, environment and config file, exit codes, signals, the files it writes and the
//! tools that read them (JUnit and Cucumber readers, a browser, the OpenAPI tools), `merge`,
//! `verify-report`, `diff` and `serve`. One binary, so the crate and its dependencies are linked
//! once. Every child process runs under a deadline: a hang fails its test instead of the job.

#[path = "../support/mod.rs"]
mod support;

mod agreement;
mod allure;
mod cli;
mod dead_target;
mod interrupt;
mod mtls;
mod nginx;
mod openapi;
mod regression;
mod reports;
mod serve;
mod settings;
mod shards;
mod tls_flags;
mod waivers;
mod weather;
