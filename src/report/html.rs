//! The certification report as one self-contained HTML page: inline CSS, no script that runs, no
//! network fetch. The results it shows are embedded as JSON for `verify-report`.

use super::seal::{Embedded, Seal};
use super::{ReportData, Row};

const DATA_OPEN: &str = r#"<script type="application/json" id="vpp-conformance-results">"#;
const DATA_CLOSE: &str = "</script>";

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f}\
h1{font-size:1.6rem;margin-bottom:.3rem}table{border-collapse:collapse;width:100%;margin:1rem 0}\
th,td{border:1px solid #d0d0d5;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f6}td:first-child{white-space:nowrap}\
.verdict{font-size:1.5rem;font-weight:700;padding:.6rem 1rem;border-radius:6px;display:inline-block}\
.PASS{background:#e3f6e8;color:#0f6a2a}.FAIL{background:#fde7e7;color:#9b1c1c;border:2px solid #9b1c1c}\
.INTERRUPTED{background:#fff4d6;color:#7a4b00;border:2px solid #7a4b00}tr.failing td{background:#fdf0f0}\
.ERROR{background:#efeafb;color:#4b2a86;border:2px solid #4b2a86}tr.unjudged td{background:#f5f2fc}\
.error{color:#4b2a86;font-weight:700}.not-run{color:#7a4b00}.flaky{color:#8a5a00}\
.pass{color:#0f6a2a}.fail{color:#9b1c1c;font-weight:700}.warning{color:#8a5a00}.not-met{color:#8a5a00;font-style:italic}.skipped{color:#777}\
.notice{background:#fde7e7;color:#9b1c1c;border:2px solid #9b1c1c;padding:.6rem 1rem;border-radius:6px}\
pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f9;padding:.6rem;border-radius:4px;font-size:13px}\
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:600}code{font-size:13px}";

/// Escapes text for HTML element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that cannot end the script element it sits in.
fn script_safe_json(embedded: &Embedded) -> String {
    serde_json::to_string(embedded)
        .expect("serializable")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The whole page: its head, the verdict, what failed, the notices, the run's facts, the
/// requirements, the waivers, the details of each failure and warning, the seal, and the
/// embedded results.
pub fn render(data: &ReportData, seal: &Seal) -> String {
    let mut h = String::new();
    head(&mut h, data);
    verdict(&mut h, data);
    failures(&mut h, data);
    unjudged(&mut h, data);
    notices(&mut h, data);
    run_facts(&mut h, data);
    matrix(&mut h, data);
    waivers(&mut h, data);
    if data.detailed().next().is_some() {
        h.push_str("<h2>Failures and warnings</h2>\n");
        data.detailed().for_each(|r| detail(&mut h, r));
    }
    sealed(&mut h, seal);
    h.push_str(DATA_OPEN);
    h.push_str(&script_safe_json(&Embedded { data: data.clone(), seal: seal.clone() }));
    h.push_str(DATA_CLOSE);
    h.push_str("\n</body>\n</html>\n");
    h
}

/// The document's head (title, style) up to the page's heading.
fn head(h: &mut String, data: &ReportData) {
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!("<title>vpp-conformance certification report: {}</title>\n", esc(&data.verdict)));
    h.push_str(&format!("<style>{STYLE}</style>\n"));
    if data.expectations.is_some() {
        h.push_str(
            "<style>.waived{color:#3a4fa0;font-style:italic}.stale-waiver{color:#9b1c1c;font-weight:700}</style>\n",
        );
    }
    h.push_str("</head>\n<body>\n");
    h.push_str("<h1>vpp-conformance certification report</h1>\n");
}

/// The verdict banner, what an interrupted run certifies, and the counts.
fn verdict(h: &mut String, data: &ReportData) {
    let banner = match data.verdict.as_str() {
        "FAIL" | "ERROR" => " role=\"alert\"",
        "INTERRUPTED" => " role=\"status\"",
        _ => "",
    };
    h.push_str(&format!("<p id=\"verdict\" class=\"verdict {v}\"{banner}>Verdict: {v}</p>\n", v = esc(&data.verdict)));
    if data.verdict == "INTERRUPTED" {
        h.push_str(
            "<p class=\"notice\">The run was interrupted: the requirements not run are not certified either way.</p>\n",
        );
    }
    if data.verdict == "ERROR" {
        h.push_str(&format!("<p class=\"notice ERROR\">{}</p>\n", esc(super::UNJUDGED_NOTE)));
    }
    h.push_str(&format!("<p id=\"counts\">{}.</p>\n", esc(&data.counts())));
    if !data.labels.is_empty() {
        let labels: Vec<String> =
            data.labels.iter().map(|(k, v)| format!("<code>{}={}</code>", esc(k), esc(v))).collect();
        h.push_str(&format!("<p id=\"labels\">Labels: {}</p>\n", labels.join(" ")));
    }
}

/// What failed the run, each linked to its details.
fn failures(h: &mut String, data: &ReportData) {
    let failing: Vec<&Row> = data.failing().collect();
    if failing.is_empty() {
        return;
    }
    h.push_str(&format!("<section id=\"failures\"><h2>What failed ({})</h2>\n<ul>\n", failing.len()));
    for r in failing {
        h.push_str(&format!(
            "<li><a href=\"#detail-{id}\"><code>{id}</code></a> {} ({}, {}): {}</li>\n",
            esc(&r.name),
            esc(&r.level),
            esc(r.status.as_str()),
            esc(r.headline()),
            id = esc(&r.id)
        ));
    }
    h.push_str("</ul>\n</section>\n");
}

/// What could not be judged, one item a cause, each requirement linked to its details.
fn unjudged(h: &mut String, data: &ReportData) {
    let groups = data.unjudged();
    if groups.is_empty() {
        return;
    }
    let n: usize = groups.iter().map(|(_, rows)| rows.len()).sum();
    h.push_str(&format!("<section id=\"unjudged\"><h2>What could not be judged ({n})</h2>\n<ul>\n"));
    for (why, rows) in groups {
        let ids: Vec<String> =
            rows.iter().map(|r| format!("<a href=\"#detail-{id}\"><code>{id}</code></a>", id = esc(&r.id))).collect();
        h.push_str(&format!("<li>{}: {}</li>\n", ids.join(", "), esc(why)));
    }
    h.push_str("</ul>\n</section>\n");
}

/// What every reader must be told.
fn notices(h: &mut String, data: &ReportData) {
    if data.notices.is_empty() {
        return;
    }
    h.push_str("<section id=\"notices\">\n");
    for notice in &data.notices {
        h.push_str(&format!("<p class=\"notice\" role=\"alert\"><strong>WARNING: {}</strong></p>\n", esc(notice)));
    }
    h.push_str("</section>\n");
}

/// The run's facts: target, date, suite, selection, seed, levels, and what applies.
fn run_facts(h: &mut String, data: &ReportData) {
    h.push_str("<dl id=\"run\">\n");
    for (k, v) in [
        ("Target", data.target.clone()),
        ("Date", data.generated_at.clone()),
        ("Suite", format!("{} {}", data.suite, data.suite_version)),
        ("Tags selected", data.tags.clone().unwrap_or_else(|| "(all but opt-in)".into())),
        ("Seed", data.seed.to_string()),
        ("Levels", data.levels_rule().to_owned()),
    ]
    .into_iter()
    .chain(data.labels.iter().map(|(k, v)| ("Label", format!("{k}={v}"))))
    .chain(data.profile_line().map(|p| ("Profile", p)))
    .chain(data.parts.clone().map(|p| ("Parts", p)))
    .chain(data.capacity.iter().map(|c| ("Target capacity", c.clone())))
    {
        h.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", esc(k), esc(&v)));
    }
    h.push_str("</dl>\n");
}

/// The requirements table: one row a documented requirement, with its result.
fn matrix(h: &mut String, data: &ReportData) {
    h.push_str("<h2>Requirements</h2>\n<table id=\"matrix\">\n<thead><tr><th>ID</th><th>Requirement</th><th>Documentation</th><th>API</th><th>Level</th><th>Result</th></tr></thead>\n<tbody>\n");
    for r in &data.rows {
        let id_cell = if r.has_details() {
            format!("<a href=\"#detail-{id}\"><code>{id}</code></a>", id = esc(&r.id))
        } else {
            format!("<code>{}</code>", esc(&r.id))
        };
        let row_class = if r.status.fails_run(data.strict) {
            " class=\"failing\""
        } else if r.status == crate::outcome::Status::Error {
            " class=\"unjudged\""
        } else {
            ""
        };
        h.push_str(&format!(
            "<tr id=\"{id}\"{row_class}><td>{id_cell}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{c}\">{s}</td></tr>\n",
            esc(&r.name),
            esc(&r.section),
            esc(&r.api),
            esc(&r.level),
            c = r.status.as_str().replace(' ', "-"),
            id = esc(&r.id),
            s = esc(r.status.as_str())
        ));
    }
    h.push_str("</tbody>\n</table>\n");
}

/// The expectations file the report was issued under, every waiver of it.
fn waivers(h: &mut String, data: &ReportData) {
    let Some(e) = &data.expectations else { return };
    h.push_str(&format!(
        "<h2>Waivers</h2>\n<p>Issued under an expectations file of {} waiver(s), SHA-256 <code id=\"expectations-digest\">{}</code>.</p>\n",
        e.waivers.len(),
        esc(&e.digest)
    ));
    h.push_str("<table id=\"waivers\">\n<thead><tr><th>ID</th><th>Expected</th><th>Reason</th><th>Link</th><th>Expires</th></tr></thead>\n<tbody>\n");
    for w in &e.waivers {
        h.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&w.scenario),
            esc(w.expect.as_str()),
            esc(&w.reason),
            esc(w.link.as_deref().unwrap_or("")),
            esc(w.expires.as_deref().unwrap_or(""))
        ));
    }
    h.push_str("</tbody>\n</table>\n");
}

/// One requirement's details: its waiver, reason, warnings, coverage notes and retries.
fn detail(h: &mut String, r: &Row) {
    h.push_str(&format!(
        "<section id=\"detail-{id}\"><h3><code>{id}</code> {} <span class=\"{c}\">({l}, {s})</span></h3>\n<p>Documentation: {}</p>\n",
        esc(&r.name),
        esc(&r.section),
        c = r.status.as_str().replace(' ', "-"),
        l = esc(&r.level),
        id = esc(&r.id),
        s = esc(r.status.as_str())
    ));
    if let Some(waiver) = &r.waiver {
        h.push_str(&format!("<p class=\"waiver\">{}</p>\n", esc(waiver)));
    }
    if let Some(reason) = &r.reason {
        h.push_str(&format!("<pre>{}</pre>\n", esc(reason)));
    }
    list(h, "", &r.warnings);
    list(h, "<p class=\"coverage\">Coverage: what this data gave nothing to check:</p>\n", &r.coverage);
    list(h, "<p class=\"flaky\">Flaky: passed only after requests were sent again (--retries):</p>\n", &r.flaky);
    h.push_str("</section>\n");
}

/// `items` as a list after `intro`; nothing when there are none.
fn list(h: &mut String, intro: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    h.push_str(intro);
    h.push_str("<ul>\n");
    for item in items {
        h.push_str(&format!("<li>{}</li>\n", esc(item)));
    }
    h.push_str("</ul>\n");
}

/// The seal: the digest, the signature if any, and how to check them.
fn sealed(h: &mut String, seal: &Seal) {
    h.push_str("<h2>Seal</h2>\n<dl id=\"seal\">\n");
    h.push_str(&format!("<dt>SHA-256 of the results</dt><dd><code id=\"digest\">{}</code></dd>\n", esc(&seal.digest)));
    match (&seal.signature, &seal.public_key) {
        (Some(sig), Some(key)) => {
            h.push_str(&format!("<dt>Ed25519 signature</dt><dd><code>{}</code></dd>\n", esc(sig)));
            h.push_str(&format!("<dt>Signer's public key</dt><dd><code>{}</code></dd>\n", esc(key)));
        }
        _ => h.push_str("<dt>Signature</dt><dd>not signed</dd>\n"),
    }
    h.push_str(
        "</dl>\n<p>Check this report with <code>vpp-conformance verify-report FILE [--public-key KEY]</code>.</p>\n",
    );
}

/// The embedded results of an HTML report.
pub fn extract(text: &str) -> Option<Embedded> {
    let start = text.find(DATA_OPEN)? + DATA_OPEN.len();
    let end = start + text[start..].find(DATA_CLOSE)?;
    serde_json::from_str(&text[start..end]).ok()
}
