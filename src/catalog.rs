//! The contract carried inside the binary, so that `vpp-conformance` works from any directory
//! after `cargo install`. A test checks that this list and the folders on disk agree, so a file
//! added to `features/` cannot be silently left out of the binary.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The tenant the documentation's samples use; a run stands the tenant under test in its place.
pub const DOCUMENTED_TENANT: &str = "SRP00000";
/// The Apple endpoint's documented path.
pub const SERVICE_CONFIG_PATH: &str = "/mdm/VPPServiceConfigSrv";

/// The media type of an account list, as the documentation's Response Body table gives it.
pub const LIST_MEDIA_TYPE: &str = "application/vnd.blackberry.vppaccounts-v1+json";
/// The media type of one account (GET by GUID).
pub const ACCOUNT_MEDIA_TYPE: &str = "application/vnd.blackberry.vppaccount-v1+json";

/// One embedded file: its path relative to the crate root, and its text.
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    pub path: &'static str,
    pub text: &'static str,
}

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(Embedded { path: $path, text: include_str!(concat!("../", $path)) }),*]
    };
}

pub const FEATURES: &[Embedded] = embed!(
    "features/apple-vpp/service-configuration.feature",
    "features/uem/vpp-accounts-query-samples.feature",
    "features/uem/vpp-accounts-query-rules.feature",
    "features/uem/vpp-account-by-guid.feature",
    "features/uem/vpp-accounts-media-types.feature",
    "features/uem/vpp-accounts-consistency.feature",
    "features/uem/vpp-accounts-any-data.feature",
    "features/uem/vpp-accounts-auth.feature",
    "features/uem/vpp-accounts-tenants.feature",
);

pub const SCHEMAS: &[Embedded] = embed!(
    "schemas/service-config.schema.json",
    "schemas/vpp-account.schema.json",
    "schemas/vpp-account-any-data.schema.json",
    "schemas/vpp-account-list.schema.json",
);

pub const FIXTURES: &[Embedded] = embed!("fixtures/apple-vpp-service-config.json", "fixtures/uem-vpp-accounts.json",);

pub const SNAPSHOTS: &[Embedded] = embed!(
    "snapshots/apple-vpp-service-config.snap",
    "snapshots/uem-sample-1.snap",
    "snapshots/uem-sample-2.snap",
    "snapshots/uem-sample-3.snap",
    "snapshots/uem-sample-4.snap",
    "snapshots/uem-get-by-guid-sample.snap",
);

/// Every embedded file, for the test that compares the catalog with the folders.
pub fn all() -> impl Iterator<Item = &'static Embedded> {
    FEATURES.iter().chain(SCHEMAS).chain(FIXTURES).chain(SNAPSHOTS)
}

fn find(list: &'static [Embedded], path: &str) -> Option<&'static str> {
    list.iter().find(|e| e.path == path).map(|e| e.text)
}

/// The canonical account data set (`fixtures/uem-vpp-accounts.json`).
pub fn accounts_fixture() -> &'static serde_json::Value {
    static V: OnceLock<serde_json::Value> = OnceLock::new();
    V.get_or_init(|| parse_embedded(FIXTURES, "fixtures/uem-vpp-accounts.json"))
}

/// The documented service configuration response (`fixtures/apple-vpp-service-config.json`).
pub fn service_config_fixture() -> &'static serde_json::Value {
    static V: OnceLock<serde_json::Value> = OnceLock::new();
    V.get_or_init(|| parse_embedded(FIXTURES, "fixtures/apple-vpp-service-config.json"))
}

/// A schema by its short name (`vpp-account` for `schemas/vpp-account.schema.json`).
pub fn schema(name: &str) -> Option<serde_json::Value> {
    find(SCHEMAS, &format!("schemas/{name}.schema.json"))
        .map(|text| serde_json::from_str(text).expect("embedded schema is valid JSON"))
}

/// A snapshot's text by its short name (`uem-sample-1` for `snapshots/uem-sample-1.snap`).
pub fn snapshot(name: &str) -> Option<&'static str> {
    find(SNAPSHOTS, &format!("snapshots/{name}.snap"))
}

fn parse_embedded(list: &'static [Embedded], path: &str) -> serde_json::Value {
    let text = find(list, path).expect("embedded file is listed");
    serde_json::from_str(text).expect("embedded fixture is valid JSON")
}

/// The features, parsed from memory. Paths are kept relative so reports name the file a
/// reader finds in the repository.
pub fn features() -> Vec<cucumber::gherkin::Feature> {
    FEATURES.iter().map(feature).collect()
}

/// One embedded feature, parsed.
pub fn feature(e: &Embedded) -> cucumber::gherkin::Feature {
    let mut f = cucumber::gherkin::Feature::parse(e.text, cucumber::gherkin::GherkinEnv::default())
        .unwrap_or_else(|err| panic!("embedded feature {} does not parse: {err}", e.path));
    f.path = Some(PathBuf::from(e.path));
    f
}

/// The tags of each scenario of a feature's text (its feature's, its rule's and its own, without
/// `@`), read line by line without parsing the feature, so that a run parses only the features
/// its tag expression selects from. The catalog's tests hold it to what the parser gives, for
/// every embedded feature.
pub fn scenario_tags(text: &str) -> Vec<Vec<String>> {
    let (mut pending, mut feature, mut rule, mut scenarios) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut doc_string: Option<&str> = None;
    for line in text.lines().map(str::trim_start) {
        if let Some(fence) = doc_string {
            doc_string = (!line.starts_with(fence)).then_some(fence);
            continue;
        }
        let keyword = |words: &[&str]| words.iter().any(|w| line.starts_with(w));
        if let Some(fence) = ["\"\"\"", "```"].into_iter().find(|f| line.starts_with(f)) {
            doc_string = Some(fence);
        } else if line.starts_with('@') {
            let tags = line.split(" #").next().unwrap_or_default().split_whitespace();
            pending.extend(tags.filter_map(|t| t.strip_prefix('@')).map(str::to_owned));
        } else if keyword(&["Feature:"]) {
            (feature, rule) = (std::mem::take(&mut pending), Vec::new());
        } else if keyword(&["Rule:"]) {
            rule = std::mem::take(&mut pending);
        } else if keyword(&["Scenario:", "Scenario Outline:", "Scenario Template:", "Example:"]) {
            scenarios.push(feature.iter().chain(&rule).cloned().chain(std::mem::take(&mut pending)).collect());
        } else if keyword(&["Examples:", "Scenarios:"]) {
            pending.clear();
        }
    }
    scenarios
}

/// How binding a scenario is, from its `@must`, `@should` or `@info` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// The documentation states it: a failure fails the run.
    Must,
    /// A reasonable reading the documentation does not state: a warning, a failure under `--strict`.
    Should,
    /// Observed and reported only.
    Info,
}

impl Level {
    pub const TAGS: [&'static str; 3] = ["must", "should", "info"];

    /// The level a set of tags gives; a scenario without one is held to MUST, the safe reading
    /// (the catalog's tests make sure every scenario has exactly one).
    pub fn from_tags<'a>(tags: impl IntoIterator<Item = &'a String>) -> Level {
        let mut level = Level::Must;
        for tag in tags {
            match tag.as_str() {
                "should" => level = Level::Should,
                "info" => level = Level::Info,
                "must" => level = Level::Must,
                _ => {}
            }
        }
        level
    }

    /// The level of a scenario, its own tag winning over its rule's and feature's.
    pub fn of(
        feature: &cucumber::gherkin::Feature,
        rule: Option<&cucumber::gherkin::Rule>,
        scenario: &cucumber::gherkin::Scenario,
    ) -> Level {
        Level::from_tags(feature.tags.iter().chain(rule.iter().flat_map(|r| &r.tags)).chain(&scenario.tags))
    }

    /// Whether a failure at this level fails the run.
    pub fn enforced(self, strict: bool) -> bool {
        match self {
            Level::Must => true,
            Level::Should => strict,
            Level::Info => false,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::Info => "INFO",
        }
    }

    /// What a failure that does not fail the run is called in output.
    pub fn note(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD (a warning; --strict makes it a failure)",
            Level::Info => "INFO (observed and reported only)",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One scenario as `list` and the reports show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScenarioInfo {
    /// The stable ID tag, without `@` (for example `UEM-QRY-003`).
    pub id: String,
    pub name: String,
    /// Every tag of the feature, rule and scenario, without `@`.
    pub tags: Vec<String>,
    /// The documentation section, from the scenario's `Documentation:` line.
    pub section: String,
    pub level: Level,
    pub feature: String,
    pub path: String,
}

/// Whether a tag is a scenario ID: API, area, number (`APL-CFG-001`, `UEM-MT-002`, `UEM-QRY-012`).
pub fn is_id_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(a), Some(b), Some(n), None)
            if a.len() == 3 && a.chars().all(|c| c.is_ascii_uppercase())
            && (2..=4).contains(&b.len()) && b.chars().all(|c| c.is_ascii_uppercase())
            && n.len() == 3 && n.chars().all(|c| c.is_ascii_digit())
    )
}

/// Every scenario of the embedded features, in file order.
pub fn scenarios() -> Vec<ScenarioInfo> {
    let mut out = Vec::new();
    for f in features() {
        let path = f.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        let mut push = |extra: &[String], s: &cucumber::gherkin::Scenario| {
            let tags: Vec<String> = f.tags.iter().chain(extra).chain(&s.tags).cloned().collect();
            out.push(ScenarioInfo {
                level: Level::from_tags(&tags),
                id: scenario_id(&s.tags).unwrap_or_default(),
                name: s.name.clone(),
                section: documentation_section(s.description.as_deref()).unwrap_or_default(),
                tags,
                feature: f.name.clone(),
                path: path.clone(),
            });
        };
        for s in &f.scenarios {
            push(&[], s);
        }
        for r in &f.rules {
            for s in &r.scenarios {
                push(&r.tags, s);
            }
        }
    }
    out
}

/// A scenario's name as the reports show it (JUnit test cases, Cucumber JSON elements, the
/// terminal), which know a scenario by its name alone: `UEM-QRY-002: Letter case … (SHOULD)`, so
/// every report traces back to the documentation and says how binding the scenario is.
pub fn report_name(id: &str, level: Level, name: &str) -> String {
    format!("{id}: {name} ({level})")
}

/// The plain name inside a [`report_name`] (or the text itself when it is not one).
pub fn plain_name<'a>(id: &str, report_name: &'a str) -> &'a str {
    let name = report_name.strip_prefix(id).and_then(|r| r.strip_prefix(": ")).unwrap_or(report_name);
    [Level::Must, Level::Should, Level::Info].iter().find_map(|l| name.strip_suffix(&format!(" ({l})"))).unwrap_or(name)
}

/// The ID tag among a scenario's own tags.
pub fn scenario_id(tags: &[String]) -> Option<String> {
    tags.iter().find(|t| is_id_tag(t)).cloned()
}

/// The text after `Documentation:` in a scenario's description.
pub fn documentation_section(description: Option<&str>) -> Option<String> {
    description?.lines().find_map(|l| l.trim().strip_prefix("Documentation:")).map(|s| s.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every scenario's tags as the parser gives them (the feature's, the rule's, its own), sorted.
    fn parsed_tags(text: &str) -> Vec<Vec<String>> {
        let f = cucumber::gherkin::Feature::parse(text, cucumber::gherkin::GherkinEnv::default()).expect("parses");
        let plain = f.scenarios.iter().map(|s| f.tags.iter().chain(&s.tags).cloned().collect());
        let ruled = f.rules.iter().flat_map(|r| {
            r.scenarios.iter().map(|s| f.tags.iter().chain(&r.tags).chain(&s.tags).cloned().collect::<Vec<_>>())
        });
        let mut all: Vec<Vec<String>> = plain.chain(ruled).collect();
        all.sort();
        all
    }

    fn scanned_tags(text: &str) -> Vec<Vec<String>> {
        let mut all = scenario_tags(text);
        all.sort();
        all
    }

    #[test]
    fn the_tags_read_without_parsing_are_the_parsers_for_every_embedded_feature() {
        for e in FEATURES {
            assert_eq!(scanned_tags(e.text), parsed_tags(e.text), "{}", e.path);
        }
    }

    /// Rules, doc strings holding a line that looks like a tag, the tags of examples, and a comment
    /// after tags: what the embedded features do not use yet is read as the parser reads it too.
    #[test]
    fn the_tags_of_rules_and_outlines_are_read_as_the_parser_reads_them() {
        let text = "@f\nFeature: F\n\n  @a @b # a comment\n  Scenario: A\n    Given x\n      \"\"\"\n      @not-a-tag\n      \
                    Scenario: not one\n      \"\"\"\n\n  @r\n  Rule: R\n\n    @c\n    Scenario Outline: C <n>\n      \
                    Given <n>\n\n      @e\n      Examples:\n        | n |\n        | 1 |\n\n    Scenario: D\n      Given y\n";
        assert_eq!(scanned_tags(text), parsed_tags(text));
        assert_eq!(scanned_tags(text).len(), 3, "{:?}", scanned_tags(text));
    }
}
