//! HTTP plumbing that stands below `client`.

pub mod limit;
