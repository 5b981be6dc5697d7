//! How long each documented operation took, as the run's facts keep it: one histogram an
//! operation (the account list, one account, the service configuration), of the whole exchange to
//! the last byte of every usable answer. Logins and provider states are no documented operation
//! and are left out. A histogram, not raw samples, so that its size stays bounded whatever the run
//! sends and the histograms of shards merge into true percentiles of the whole.
//!
//! The buckets are logarithmic, each 2 % wider than the one before from 1 µs: a percentile is
//! read to within 2 %, and a run of any length holds at most about a thousand buckets an
//! operation (up to 1000 s).

use crate::catalog::SERVICE_CONFIG_PATH;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The width of a bucket: each holds latencies up to 2 % above the one before.
const GROWTH: f64 = 1.02;

/// A documented operation, as its latency is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// `POST /mdm/VPPServiceConfigSrv`.
    ServiceConfiguration,
    /// `GET /{tenantGuid}/api/v1/vppAccounts`, with or without a query.
    AccountList,
    /// `GET /{tenantGuid}/api/v1/vppAccounts/{guid}`.
    Account,
}

impl Operation {
    pub const ALL: [Operation; 3] = [Operation::AccountList, Operation::Account, Operation::ServiceConfiguration];

    /// The documented operation a request is, from its method and URL (`None`: none is, as a
    /// login or a provider state).
    pub fn of(method: &str, url: &str) -> Option<Operation> {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let path = path.trim_end_matches('/');
        if method == "POST" && path.ends_with(SERVICE_CONFIG_PATH) {
            return Some(Operation::ServiceConfiguration);
        }
        if method != "GET" {
            return None;
        }
        if path.ends_with("/api/v1/vppAccounts") {
            return Some(Operation::AccountList);
        }
        let (parent, last) = path.rsplit_once('/')?;
        (parent.ends_with("/api/v1/vppAccounts") && !last.is_empty()).then_some(Operation::Account)
    }

    /// How the reports name it.
    pub fn name(self) -> &'static str {
        match self {
            Operation::ServiceConfiguration => "service configuration (POST /mdm/VPPServiceConfigSrv)",
            Operation::AccountList => "account list (GET …/vppAccounts)",
            Operation::Account => "one account (GET …/vppAccounts/{guid})",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Latencies in logarithmic buckets: the bucket's index, and how many fell in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    pub buckets: BTreeMap<u32, u64>,
}

fn bucket_of(latency: Duration) -> u32 {
    let micros = (latency.as_secs_f64() * 1e6).max(1.0);
    (micros.ln() / GROWTH.ln()).ceil() as u32
}

fn upper_bound(bucket: u32) -> Duration {
    Duration::from_secs_f64(GROWTH.powi(bucket as i32) / 1e6)
}

impl Histogram {
    pub fn record(&mut self, latency: Duration) {
        *self.buckets.entry(bucket_of(latency)).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (bucket, n) in &other.buckets {
            *self.buckets.entry(*bucket).or_default() += n;
        }
    }

    pub fn count(&self) -> u64 {
        self.buckets.values().sum()
    }

    /// The `p`-th percentile (0 < p <= 100), nearest rank, to within one bucket (2 %).
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        let n = self.count();
        let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, count) in &self.buckets {
            seen += count;
            if seen >= rank {
                return Some(upper_bound(*bucket));
            }
        }
        None
    }
}

/// The latency of each documented operation a run asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latency {
    pub operations: BTreeMap<Operation, Histogram>,
}

impl Latency {
    /// A usable answer to `method url` came after `elapsed`: kept when it is a documented operation.
    pub fn record(&mut self, method: &str, url: &str, elapsed: Duration) {
        if let Some(op) = Operation::of(method, url) {
            self.operations.entry(op).or_default().record(elapsed);
        }
    }

    pub fn merge(&mut self, other: &Latency) {
        for (op, h) in &other.operations {
            self.operations.entry(*op).or_default().merge(h);
        }
    }

    pub fn of(&self, op: Operation) -> Option<&Histogram> {
        self.operations.get(&op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_documented_operation_is_told_from_its_method_and_path() {
        let base = "http://t:8080";
        for (method, url, want) in [
            ("POST", format!("{base}/mdm/VPPServiceConfigSrv"), Some(Operation::ServiceConfiguration)),
            ("GET", format!("{base}/SRP00000/api/v1/vppAccounts?query=name=a/b"), Some(Operation::AccountList)),
            ("GET", format!("{base}/SRP00000/api/v1/vppAccounts"), Some(Operation::AccountList)),
            ("GET", format!("{base}/SRP00000/api/v1/vppAccounts/6359d1fc-6b8b"), Some(Operation::Account)),
            ("POST", format!("{base}/SRP00000/api/v1/util/authorization"), None),
            ("POST", format!("{base}/_vpp-conformance/provider-states"), None),
            ("GET", format!("{base}/mdm/VPPServiceConfigSrv"), None),
        ] {
            assert_eq!(Operation::of(method, &url), want, "{method} {url}");
        }
    }

    #[test]
    fn percentiles_are_read_to_within_two_percent_and_shards_merge_into_the_whole() {
        let mut all = Histogram::default();
        let (mut a, mut b) = (Histogram::default(), Histogram::default());
        for ms in 1..=100u64 {
            let d = Duration::from_millis(ms);
            all.record(d);
            if ms % 2 == 0 { a.record(d) } else { b.record(d) }
        }
        a.merge(&b);
        assert_eq!(a, all, "merged halves are the whole");
        let near = |got: Duration, ms: f64| (got.as_secs_f64() * 1e3 / ms - 1.0).abs() <= 0.021;
        assert!(near(all.percentile(50.0).unwrap(), 50.0), "{:?}", all.percentile(50.0));
        assert!(near(all.percentile(95.0).unwrap(), 95.0), "{:?}", all.percentile(95.0));
        assert_eq!(all.count(), 100);
        assert_eq!(Histogram::default().percentile(50.0), None);
    }

    #[test]
    fn a_histogram_reads_back_from_json() {
        let mut latency = Latency::default();
        latency.record("GET", "http://t/T/api/v1/vppAccounts/x", Duration::from_micros(1500));
        latency.record("POST", "http://t/T/api/v1/util/authorization", Duration::from_millis(3));
        let json = serde_json::to_string(&latency).unwrap();
        assert_eq!(serde_json::from_str::<Latency>(&json).unwrap(), latency, "{json}");
        assert_eq!(latency.operations.len(), 1, "a login is no documented operation");
    }
}
