//! What a run selects: the embedded features, parsed once and named with their IDs and levels,
//! and the tag filter with its opt-in rule.

use crate::catalog::{self, Level};
use crate::config::{ConfigError, parse_tags};
use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;
use cucumber::{gherkin, parser};
use std::path::Path;

/// Scenarios with this tag need no particular data: the live profile runs only these, and no
/// other needs the canonical data set.
pub const ANY_DATA_TAG: &str = "any-data";

/// Scenarios with this tag check behaviour the documentation does not state; they run only when
/// a tag expression names it.
pub const OPT_IN_TAG: &str = "opt-in";

/// The embedded features, parsed from memory once per run, so the binary needs no files.
pub struct EmbeddedFeatures(pub Vec<gherkin::Feature>);

impl<I> cucumber::Parser<I> for EmbeddedFeatures {
    type Cli = cucumber::cli::Empty;
    type Output = futures::stream::Iter<std::vec::IntoIter<parser::Result<gherkin::Feature>>>;

    fn parse(self, _input: I, _cli: Self::Cli) -> Self::Output {
        let mut features = self.0;
        fn rename(outer: &[String], s: &mut gherkin::Scenario) {
            if let Some(id) = catalog::scenario_id(&s.tags) {
                let level = Level::from_tags(outer.iter().chain(&s.tags));
                s.name = catalog::report_name(&id, level, &s.name);
            }
        }
        for f in &mut features {
            let feature_tags = f.tags.clone();
            f.scenarios.iter_mut().for_each(|s| rename(&feature_tags, s));
            for r in &mut f.rules {
                let outer: Vec<String> = feature_tags.iter().chain(&r.tags).cloned().collect();
                r.scenarios.iter_mut().for_each(|s| rename(&outer, s));
            }
        }
        futures::stream::iter(features.into_iter().map(Ok).collect::<Vec<_>>())
    }
}

/// The tag filter: the user's expression, and opt-in scenarios left out unless it names them:
/// by `@opt-in`, by their ID, or by a tag only opt-in scenarios carry (`@auth`). A tag they share
/// with the others (`@uem`) does not opt in.
pub fn scenario_filter(
    features: &[gherkin::Feature],
    tags: Option<&str>,
    skip_api: Option<&'static str>,
    only_any_data: bool,
) -> Result<impl Fn(&gherkin::Feature, Option<&gherkin::Rule>, &gherkin::Scenario) -> bool + 'static, ConfigError> {
    let user: Option<TagOperation> = tags.map(parse_tags).transpose()?;
    // Every scenario's tags (feature, rule and its own), from the features this run already parsed.
    let all_tags: Vec<Vec<&String>> = features
        .iter()
        .flat_map(|f| {
            let plain = f.scenarios.iter().map(move |s| f.tags.iter().chain(&s.tags).collect());
            let ruled = f.rules.iter().flat_map(move |r| {
                r.scenarios.iter().map(move |s| f.tags.iter().chain(&r.tags).chain(&s.tags).collect())
            });
            plain.chain(ruled)
        })
        .collect();
    let is_opt_in = |tags: &Vec<&String>| tags.iter().any(|t| *t == OPT_IN_TAG);
    let opt_in_only = |tag: &str| {
        tag == OPT_IN_TAG
            || all_tags.iter().any(|s| is_opt_in(s) && s.iter().any(|t| *t == tag))
                && !all_tags.iter().any(|s| !is_opt_in(s) && s.iter().any(|t| *t == tag))
    };
    // The tags an expression names, as whole words, that opt in.
    let named: Vec<String> = tags
        .map(|t| {
            t.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                .filter_map(|w| w.strip_prefix('@'))
                .filter(|w| opt_in_only(w))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(move |f: &gherkin::Feature, r: Option<&gherkin::Rule>, s: &gherkin::Scenario| {
        let all = || f.tags.iter().chain(r.iter().flat_map(|r| &r.tags)).chain(s.tags.iter());
        let selected = user.as_ref().is_none_or(|op| op.eval(all()));
        let opt_in_ok = !all().any(|t| t == OPT_IN_TAG) || all().any(|t| named.contains(t));
        let api_ok = skip_api.is_none_or(|api| !all().any(|t| t == api));
        let profile_ok = !only_any_data || all().any(|t| t == ANY_DATA_TAG);
        selected && opt_in_ok && api_ok && profile_ok
    })
}

/// Whether a scenario, its rule or its feature carries a tag (`@any-data` needs no provider
/// state; `@uem` needs the login).
pub fn has_tag(f: &gherkin::Feature, r: Option<&gherkin::Rule>, s: &gherkin::Scenario, tag: &str) -> bool {
    f.tags.iter().chain(r.iter().flat_map(|r| &r.tags)).chain(&s.tags).any(|t| t == tag)
}

/// `--shard I/N`: the scenarios of the I-th part, dealt round-robin over the selection in the
/// catalogue's order (the order is the embedded features', the same in every run of a version):
/// every selected scenario is in exactly one part, and parts differ in size by one at most.
pub fn shard_part(selected: &[String], shard: crate::config::Shard) -> Vec<String> {
    selected.iter().enumerate().filter(|(i, _)| i % shard.total == shard.index - 1).map(|(_, id)| id.clone()).collect()
}

/// `--only-failed PREVIOUS.json`: of the selection, what the earlier run did not pass: failed,
/// not met (a SHOULD or INFO scenario that failed), not run, or absent from it. A scenario it
/// passed, or whose failure a waiver covered, does not run again.
pub fn only_failed(selected: &[String], previous: &Path) -> Result<Vec<String>, ConfigError> {
    use crate::report::diff::{Outcome, parse_cucumber_json};
    let what = |e: String| ConfigError(format!("--only-failed {}: {e}", previous.display()));
    let text = std::fs::read_to_string(previous).map_err(|e| what(format!("cannot read the file ({e})")))?;
    let earlier = parse_cucumber_json(&text).map_err(what)?;
    Ok(selected
        .iter()
        .filter(|id| !matches!(earlier.scenarios.get(*id), Some((_, Outcome::Pass | Outcome::Waived))))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Shard;

    #[test]
    fn shards_partition_the_selection() {
        let ids: Vec<String> = (0..10).map(|i| format!("X-{i}")).collect();
        let mut all: Vec<String> = (1..=3).flat_map(|index| shard_part(&ids, Shard { index, total: 3 })).collect();
        assert_eq!(shard_part(&ids, Shard { index: 1, total: 3 }).len(), 4);
        all.sort();
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(all, expected, "every scenario in exactly one part");
        assert!(shard_part(&ids[..1], Shard { index: 2, total: 2 }).is_empty(), "a part may be empty");
    }
}
