//! What a run selects: the embedded features, parsed once and named with their IDs and levels,
//! and the tag filter with its opt-in rule.

use crate::catalog::{self, Level};
use crate::config::{ConfigError, Profile, RunConfig, parse_tags};
use crate::outcome::{Expect, StepRan, StepRecord};
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
pub struct TagFilter {
    user: Option<TagOperation>,
    /// The tags the expression names, as whole words, that opt in.
    named: Vec<String>,
    skip_api: Option<&'static str>,
    only_any_data: bool,
}

impl TagFilter {
    /// The filter of `tags`, knowing `every` scenario's tags (its feature's, its rule's and its own).
    pub fn new(
        every: &[Vec<String>],
        tags: Option<&str>,
        skip_api: Option<&'static str>,
        only_any_data: bool,
    ) -> Result<Self, ConfigError> {
        let user: Option<TagOperation> = tags.map(parse_tags).transpose()?;
        let is_opt_in = |tags: &Vec<String>| tags.iter().any(|t| t == OPT_IN_TAG);
        let opt_in_only = |tag: &str| {
            tag == OPT_IN_TAG
                || every.iter().any(|s| is_opt_in(s) && s.iter().any(|t| t == tag))
                    && !every.iter().any(|s| !is_opt_in(s) && s.iter().any(|t| t == tag))
        };
        let named: Vec<String> = tags
            .map(|t| {
                t.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                    .filter_map(|w| w.strip_prefix('@'))
                    .filter(|w| opt_in_only(w))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self { user, named, skip_api, only_any_data })
    }

    /// Whether a scenario with these tags (its feature's, its rule's and its own) is selected.
    pub fn selects<'a>(&self, all: impl Iterator<Item = &'a String> + Clone) -> bool {
        let has = |tag: &str| all.clone().any(|t| t == tag);
        let selected = self.user.as_ref().is_none_or(|op| op.eval(all.clone()));
        let opt_in_ok = !has(OPT_IN_TAG) || all.clone().any(|t| self.named.contains(t));
        let api_ok = self.skip_api.is_none_or(|api| !has(api));
        let profile_ok = !self.only_any_data || has(ANY_DATA_TAG);
        selected && opt_in_ok && api_ok && profile_ok
    }

    /// Whether a scenario (with its feature and rule) is selected.
    pub fn scenario(&self, f: &gherkin::Feature, r: Option<&gherkin::Rule>, s: &gherkin::Scenario) -> bool {
        self.selects(f.tags.iter().chain(r.iter().flat_map(|r| &r.tags)).chain(&s.tags))
    }
}

/// Whether a scenario, its rule or its feature carries a tag (`@any-data` needs no provider
/// state; `@uem` needs the login).
pub fn has_tag(f: &gherkin::Feature, r: Option<&gherkin::Rule>, s: &gherkin::Scenario, tag: &str) -> bool {
    f.tags.iter().chain(r.iter().flat_map(|r| &r.tags)).chain(&s.tags).any(|t| t == tag)
}

/// `--only-failed PREVIOUS.json`: of the selection, what the earlier run did not pass: failed,
/// not met (a SHOULD or INFO scenario that failed), not run, or absent from it. A scenario it
/// passed, or whose failure a waiver covered, does not run again. The earlier run's facts say
/// which, as every reader of a run's results reads them.
pub fn only_failed(selected: &[String], previous: &Path) -> Result<Vec<String>, ConfigError> {
    let what = |e: String| ConfigError(format!("--only-failed {}: {e}", previous.display()));
    let text = crate::config::files::read_text("--only-failed", previous)?;
    let earlier = crate::outcome::facts::read(&text).map_err(what)?;
    let passed: std::collections::HashSet<&str> = earlier
        .results
        .iter()
        .filter(|r| r.status.passed() || r.status == crate::outcome::Status::Waived)
        .map(|r| r.id.as_str())
        .collect();
    Ok(selected.iter().filter(|id| !passed.contains(id.as_str())).cloned().collect())
}

/// A scenario the run will report, as the catalogue has it, with its steps not yet run.
#[derive(Debug, Clone)]
pub struct Planned {
    pub id: String,
    pub name: String,
    pub level: Level,
    pub feature: String,
    pub steps: Vec<StepRecord>,
    /// Its scenarios need the canonical data set (all but `@any-data`).
    pub needs_canonical_data: bool,
    pub uem: bool,
    /// A `skip` waiver keeps it out of the run.
    pub skipped_by_waiver: bool,
}

/// Whether a scenario (with its feature and rule) is selected.
type Filter = std::sync::Arc<dyn Fn(&gherkin::Feature, Option<&gherkin::Rule>, &gherkin::Scenario) -> bool>;

/// The scenarios a run selects, and what they need of the target.
pub struct Selection {
    pub features: Vec<gherkin::Feature>,
    pub filter: Filter,
    /// Every scenario the run reports, in the catalogue's order: those it runs and those a
    /// `skip` waiver keeps out.
    pub planned: Vec<Planned>,
    /// Every scenario of the whole selection (before `--shard` and `--only-failed`), by ID.
    pub whole: Vec<String>,
    /// What `--shard` and `--only-failed` left of the selection, when given.
    pub narrowed: Option<String>,
}

impl Selection {
    pub fn of(config: &RunConfig) -> Result<Self, ConfigError> {
        // An API without a target is left out rather than failed: testing one service alone is normal.
        let skip_api = match (config.uses_reference(), &config.vpp_base_url, &config.uem_base_url) {
            (false, None, Some(_)) => Some("apple-vpp"),
            (false, Some(_), None) => Some("uem"),
            _ => None,
        };
        let live = config.profile == Profile::Live;
        // Every scenario's tags, read without parsing; only the features that hold a selected
        // scenario are parsed.
        let tags: Vec<(usize, Vec<String>)> = catalog::FEATURES
            .iter()
            .enumerate()
            .flat_map(|(i, e)| catalog::scenario_tags(e.text).into_iter().map(move |t| (i, t)))
            .collect();
        let every: Vec<Vec<String>> = tags.iter().map(|(_, t)| t.clone()).collect();
        let filter = TagFilter::new(&every, config.tags.as_deref(), skip_api, live)?;
        let features: Vec<gherkin::Feature> = catalog::FEATURES
            .iter()
            .enumerate()
            .filter(|(i, _)| tags.iter().any(|(j, t)| j == i && filter.selects(t.iter())))
            .map(|(_, e)| catalog::feature(e))
            .collect();
        let mut selected: Vec<Planned> = Vec::new();
        for f in &features {
            let plain = f.scenarios.iter().map(|s| (None, s));
            let ruled = f.rules.iter().flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
            for (r, s) in plain.chain(ruled).filter(|(r, s)| filter.scenario(f, *r, s)) {
                selected.push(planned(f, r, s));
            }
        }
        if selected.is_empty() {
            return Err(ConfigError(format!(
                "--tags {:?} selects no scenario (see `vpp-conformance list`){}",
                config.tags.as_deref().unwrap_or_default(),
                if live { " in the live profile" } else { "" }
            )));
        }
        let whole: Vec<String> = selected.iter().map(|p| p.id.clone()).collect();
        let (kept, narrowed) = narrow(config, &whole)?;
        let kept: std::collections::HashSet<String> = kept.into_iter().collect();
        let waivers = config.expectations.as_ref().map(|e| e.waivers.as_slice()).unwrap_or_default();
        let mut planned: Vec<Planned> = selected.into_iter().filter(|p| kept.contains(&p.id)).collect();
        for p in &mut planned {
            p.skipped_by_waiver = waivers.iter().any(|w| w.scenario == p.id && w.expect == Expect::Skip);
        }
        let run_ids: std::collections::HashSet<String> =
            planned.iter().filter(|p| !p.skipped_by_waiver).map(|p| p.id.clone()).collect();
        Ok(Self {
            features,
            filter: std::sync::Arc::new(move |f, r, s| {
                filter.scenario(f, r, s) && catalog::scenario_id(&s.tags).is_some_and(|id| run_ids.contains(&id))
            }),
            planned,
            whole,
            narrowed,
        })
    }

    /// The scenarios that run (not those a `skip` waiver keeps out).
    pub fn running(&self) -> impl Iterator<Item = &Planned> {
        self.planned.iter().filter(|p| !p.skipped_by_waiver)
    }
}

/// A selected scenario with its steps (the background's first), none run yet.
fn planned(f: &gherkin::Feature, r: Option<&gherkin::Rule>, s: &gherkin::Scenario) -> Planned {
    let id = catalog::scenario_id(&s.tags).unwrap_or_default();
    let step = |st: &gherkin::Step, background: bool| StepRecord {
        keyword: st.keyword.clone(),
        text: st.value.clone(),
        line: st.position.line,
        background,
        ran: StepRan::NotReached,
        duration_ms: 0,
    };
    let background = f.background.iter().chain(r.and_then(|r| r.background.as_ref()));
    let mut steps: Vec<StepRecord> = background.flat_map(|b| b.steps.iter().map(|st| step(st, true))).collect();
    steps.extend(s.steps.iter().map(|st| step(st, false)));
    Planned {
        name: catalog::plain_name(&id, &s.name).to_owned(),
        level: Level::of(f, r, s),
        feature: f.name.clone(),
        steps,
        needs_canonical_data: !has_tag(f, r, s, ANY_DATA_TAG),
        uem: has_tag(f, r, s, "uem"),
        skipped_by_waiver: false,
        id,
    }
}

/// The selection narrowed by `--shard` and `--only-failed`, and what to say about it.
fn narrow(config: &RunConfig, selected: &[String]) -> Result<(Vec<String>, Option<String>), ConfigError> {
    let mut kept = selected.to_vec();
    let mut said = Vec::new();
    if let Some(shard) = config.shard {
        kept = crate::outcome::Part { index: shard.index, total: shard.total }.deal(&kept);
        said.push(format!("shard {shard}: {} of the {} selected scenarios", kept.len(), selected.len()));
    }
    if let Some(previous) = &config.only_failed {
        let before = kept.len();
        kept = only_failed(&kept, previous)?;
        said.push(format!(
            "--only-failed: {} of {before} scenarios, those {} did not pass",
            kept.len(),
            previous.display()
        ));
    }
    let mut note = (!said.is_empty()).then(|| said.join("; "));
    if kept.is_empty()
        && let Some(n) = &mut note
    {
        n.push_str(": nothing to run here (not an error)");
    }
    Ok((kept, note))
}
