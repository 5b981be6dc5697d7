//! What the two test binaries share. The drivers are named for how they run the suite:
//! [`in_process`] calls `app::run` inside the test process, [`binary`] starts the built
//! executable as a user or a CI job would. The rest are targets and tools the tests point it at.

#![allow(dead_code)]

pub mod binary;
pub mod fronts;
pub mod generated;
pub mod hostile;
pub mod in_process;
pub mod nginx;
pub mod proxy;
pub mod source;
pub mod tls;
pub mod weather;
