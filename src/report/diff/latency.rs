//! Latency regressions between two runs: each documented operation's p50 and p95 in both, and
//! which grew enough to be called slower. A run's latencies are histograms in its facts
//! ([`crate::outcome::latency`]); a run by an earlier version has none, and says "not recorded".
//!
//! An operation is **slower** when it has at least [`MIN_SAMPLES`] answers in each run and its
//! p95 grew by both the ratio and the absolute amount of [`Thresholds`] (by default 50 % and
//! 20 ms): the absolute floor keeps the jitter of a fast local target (a millisecond or two) from
//! ever counting, the ratio keeps a slow target's noise from it.

use crate::outcome::latency::{Latency, Operation};
use std::time::Duration;

/// Too few answers say nothing of a p95.
pub const MIN_SAMPLES: u64 = 5;

/// How much a p95 must grow to count as slower (`--slower-by`, `--slower-ms`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Percent, e.g. 50.0.
    pub ratio_percent: f64,
    pub at_least: Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { ratio_percent: 50.0, at_least: Duration::from_millis(20) }
    }
}

/// One operation in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub samples: u64,
    pub p50: Duration,
    pub p95: Duration,
}

/// One operation in both runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    pub op: Operation,
    pub base: Option<Summary>,
    pub new: Option<Summary>,
    pub slower: bool,
}

/// The latencies of two runs, compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatencyChanges {
    /// Whether each run recorded latencies (runs of earlier versions did not).
    pub recorded: (bool, bool),
    /// Each operation asked in either run, in a fixed order.
    pub operations: Vec<Compared>,
}

impl LatencyChanges {
    pub fn slower(&self) -> impl Iterator<Item = &Compared> {
        self.operations.iter().filter(|c| c.slower)
    }
}

fn summary(latency: Option<&Latency>, op: Operation) -> Option<Summary> {
    let h = latency?.of(op)?;
    Some(Summary { samples: h.count(), p50: h.percentile(50.0)?, p95: h.percentile(95.0)? })
}

/// Compares the latencies of two runs.
pub fn compare(base: Option<&Latency>, new: Option<&Latency>, t: Thresholds) -> LatencyChanges {
    let operations = Operation::ALL
        .into_iter()
        .filter_map(|op| {
            let (b, n) = (summary(base, op), summary(new, op));
            if b.is_none() && n.is_none() {
                return None;
            }
            let slower = match (b, n) {
                (Some(b), Some(n)) if b.samples >= MIN_SAMPLES && n.samples >= MIN_SAMPLES => {
                    let grew = n.p95.saturating_sub(b.p95);
                    grew >= t.at_least && n.p95.as_secs_f64() >= b.p95.as_secs_f64() * (1.0 + t.ratio_percent / 100.0)
                }
                _ => false,
            };
            Some(Compared { op, base: b, new: n, slower })
        })
        .collect();
    LatencyChanges { recorded: (base.is_some(), new.is_some()), operations }
}

/// A latency in words: milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// One run's summary of an operation in words, or why there is none.
fn said(s: Option<Summary>, recorded: bool) -> String {
    match (s, recorded) {
        (Some(s), _) => format!("p50 {}, p95 {} ({} answers)", ms(s.p50), ms(s.p95), s.samples),
        (None, true) => "not asked".to_owned(),
        (None, false) => "not recorded".to_owned(),
    }
}

/// One operation, before and after, in words.
pub fn text_lines_of(o: &Compared, recorded: (bool, bool)) -> String {
    format!("{} → {}", said(o.base, recorded.0), said(o.new, recorded.1))
}

/// The lines of the text report: each operation, before and after.
pub fn text_lines(c: &LatencyChanges) -> Vec<String> {
    if !c.recorded.0 && !c.recorded.1 {
        return vec!["latency: not recorded in either run (runs of an earlier version)".to_owned()];
    }
    c.operations
        .iter()
        .map(|o| {
            let mark = if o.slower { "SLOWER " } else { "" };
            format!("{mark}{}: {} → {}", o.op, said(o.base, c.recorded.0), said(o.new, c.recorded.1))
        })
        .collect()
}

/// The Markdown table: an operation a row.
pub fn markdown_table(c: &LatencyChanges) -> String {
    let mut m = String::from("| Operation | p50 before | p50 after | p95 before | p95 after | answers | |\n");
    m.push_str("|---|---:|---:|---:|---:|---:|---|\n");
    let cell = |s: Option<Summary>, f: fn(Summary) -> Duration, recorded: bool| match (s, recorded) {
        (Some(s), _) => ms(f(s)),
        (None, true) => "–".to_owned(),
        (None, false) => "not recorded".to_owned(),
    };
    let (rb, rn) = c.recorded;
    for o in &c.operations {
        let count = |s: Option<Summary>| s.map_or("–".to_owned(), |s| s.samples.to_string());
        m.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} / {} | {} |\n",
            o.op,
            cell(o.base, |s| s.p50, rb),
            cell(o.new, |s| s.p50, rn),
            cell(o.base, |s| s.p95, rb),
            cell(o.new, |s| s.p95, rn),
            count(o.base),
            count(o.new),
            if o.slower { "**slower**" } else { "" }
        ));
    }
    m
}

/// An inline SVG (no script, no fetch) of each operation's p50 and p95, before and after, as
/// bars on one scale; a slower operation's p95 after is drawn in red.
pub fn svg(c: &LatencyChanges) -> String {
    let max = c
        .operations
        .iter()
        .flat_map(|o| [o.base, o.new])
        .flatten()
        .map(|s| s.p95.as_secs_f64())
        .fold(0.0_f64, f64::max)
        .max(1e-3);
    let (label_w, bar_w, row_h) = (300.0, 420.0, 18.0);
    let rows = c.operations.len() * 4;
    let height = rows as f64 * row_h + 20.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"p50 and p95 latency before and after, per operation\" \
         width=\"{}\" height=\"{height}\" font-family=\"system-ui,sans-serif\" font-size=\"12\">\n",
        label_w + bar_w + 90.0
    );
    let mut y = 10.0;
    for o in &c.operations {
        for (run, sum, p, fill) in [
            ("before", o.base, 50, "#9db4d6"),
            ("before", o.base, 95, "#4a6fa5"),
            ("after", o.new, 50, "#b7d7a8"),
            ("after", o.new, 95, if o.slower { "#c0392b" } else { "#4f8a3c" }),
        ] {
            let value = sum.map(|s| if p == 50 { s.p50 } else { s.p95 });
            let w = value.map_or(0.0, |v| v.as_secs_f64() / max * bar_w);
            let name = super::super::html::esc(&format!("{} — p{p} {run}", o.op));
            let shown = value.map_or("–".to_owned(), ms);
            s.push_str(&format!(
                "<text x=\"0\" y=\"{}\">{name}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{fill}\"/>\
                 <text x=\"{:.1}\" y=\"{}\">{shown}</text>\n",
                y + 12.0,
                row_h - 4.0,
                label_w + w + 4.0,
                y + 12.0
            ));
            y += row_h;
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latency(op: Operation, ms: &[u64]) -> Latency {
        let mut l = Latency::default();
        let h = l.operations.entry(op).or_default();
        ms.iter().for_each(|m| h.record(Duration::from_millis(*m)));
        l
    }

    #[test]
    fn slower_needs_enough_answers_and_both_the_ratio_and_the_floor() {
        let t = Thresholds::default();
        let op = Operation::AccountList;
        let base = latency(op, &[2, 2, 3, 3, 3, 4]);
        let jitter = latency(op, &[3, 3, 4, 5, 5, 6]);
        let slow = latency(op, &[100, 101, 102, 103, 104, 105]);
        let few = latency(op, &[100, 100]);
        assert!(!compare(Some(&base), Some(&jitter), t).operations[0].slower, "doubled, but by 2 ms: jitter");
        assert!(compare(Some(&base), Some(&slow), t).operations[0].slower);
        assert!(!compare(Some(&base), Some(&few), t).operations[0].slower, "two answers say nothing");
        let slow_base = latency(op, &[400, 400, 400, 400, 400, 400]);
        let bit_slower = latency(op, &[450, 450, 450, 450, 450, 450]);
        assert!(!compare(Some(&slow_base), Some(&bit_slower), t).operations[0].slower, "+50 ms is +12 %");
        let loose = Thresholds { ratio_percent: 10.0, at_least: Duration::from_millis(20) };
        assert!(compare(Some(&slow_base), Some(&bit_slower), loose).operations[0].slower, "the flags move both");
    }

    #[test]
    fn an_earlier_run_without_latencies_says_not_recorded() {
        let new = latency(Operation::Account, &[5, 5, 5, 5, 5]);
        let c = compare(None, Some(&new), Thresholds::default());
        assert_eq!(c.recorded, (false, true));
        assert!(c.slower().next().is_none());
        assert!(text_lines(&c)[0].contains("not recorded → p50"), "{:?}", text_lines(&c));
        assert!(markdown_table(&c).contains("not recorded"));
        assert!(svg(&c).starts_with("<svg"));
    }
}
