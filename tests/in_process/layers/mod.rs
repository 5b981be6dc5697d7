//! The house keeps its layers (as ArchUnit does for Java): every module of `src/` may use only
//! modules of its own layer or below, no modules use each other in a cycle, and the built-in
//! reference target stands apart (only `app` may start it; it reads nothing of the suite but
//! `catalog` and `sync`). Within one module, its sub-modules use each other in no cycle either
//! (`reference::uem` and `reference::defects`).
//!
//! The test reads the source: every `crate::X` path (`use crate::X…`, `use crate::{X, Y…}`,
//! `crate::X::item` in code) and every `super::…` path, outside comments and string literals,
//! resolved from the file's own module to a path from the crate root. A file belongs to its
//! top-level module (`src/checks/probes.rs` is `checks`) and, below it, to a sub-module
//! (`checks::probes`); `src/main.rs`, `src/lib.rs` and `src/cli/` are the top, `cli`. A module's
//! `mod.rs` is the module itself, not one of its sub-modules: it may use them and they it.
//!
//! What the code breaks today is listed in [`KNOWN`], each with why: the test fails on a
//! violation that is not listed, and on a listed one that is gone, so the list only shrinks.

mod source;

use source::uses_in_src;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The layers, top first, as the design sketch draws the house (cli starts a run; runner builds
/// it and returns an outcome that report reads; steps call client and checks; everything reads
/// catalog). A module may use the modules of its own layer and of the layers below it.
const LAYERS: &[&[&str]] = &[
    // The command line: main.rs, lib.rs and cli/ (the grammar, the signals and the exit status).
    &["cli"],
    // What the commands do: a whole run (run, then export), merge, serve; the OpenAPI export.
    &["app", "openapi"],
    // One run in stages, and what is exported from its outcome.
    &["runner", "report"],
    // Thin cucumber glue; one validated RunConfig (and the file it may come from).
    &["steps", "config"],
    // One bounded exchange with the target (src/http/: client, exchange, politeness, limit, tls).
    &["http"],
    // Plain functions, no cucumber.
    &["checks"],
    // Whether a request may still go out; secrets replaced.
    &["gate", "redact"],
    // The results model: what runner returns, report and app read.
    &["outcome"],
    // The embedded contract and the documented facts, which everything builds on; locks that
    // outlive a panic.
    &["catalog", "sync"],
];

/// The built-in reference target, apart from the layers.
const REFERENCE: &str = "reference";
/// The only module that may use the reference: `app` (a run with no base URL starts it and hands
/// the runner its URL; `serve` starts it for people building clients).
const REFERENCE_USERS: &[&str] = &["app"];
/// What the reference may use: the lowest layer, the embedded contract (`catalog`) and the locks
/// that outlive a panic (`sync`).
const REFERENCE_USES: &[&str] = &["catalog", "sync"];

/// Modules of one layer of which the first may not use the second. `report` exports a run's
/// results and reads nothing of how a run is made: what `merge` needs of a selection (which
/// scenarios a shard holds) is in `outcome`, beside the facts it checks.
const APART: &[(&str, &str)] = &[("report", "runner")];

/// Every violation of today's code, with why it is there. Fix one, then remove it here.
const KNOWN: &[(&str, &str)] = &[];

// ---------------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------------

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Violation {
    /// `from` uses `to`, in a higher layer.
    Upward { from: String, to: String },
    /// These modules (or sub-modules of one module) use each other, in a cycle: each reaches
    /// every other through what it uses. Sorted.
    Cycle { members: Vec<String> },
    /// `from`, not among [`REFERENCE_USERS`], uses the reference.
    UsesReference { from: String },
    /// The reference uses `to`, not among [`REFERENCE_USES`].
    ReferenceUses { to: String },
    /// A module the layers do not place.
    Unplaced { module: String },
    /// `from` uses `to`, which [`APART`] keeps from it.
    Apart { from: String, to: String },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Upward { from, to } => write!(f, "{from} uses {to}, a higher layer"),
            Self::Cycle { members } => match members.as_slice() {
                [a, b] => write!(f, "{a} and {b} use each other"),
                [first @ .., last] => write!(f, "{} and {last} use each other in a cycle", first.join(", ")),
                [] => write!(f, "an empty cycle"),
            },
            Self::UsesReference { from } => {
                write!(f, "{from} uses {REFERENCE}, which only {REFERENCE_USERS:?} may use")
            }
            Self::ReferenceUses { to } => write!(f, "{REFERENCE} uses {to}; it may use only {REFERENCE_USES:?}"),
            Self::Unplaced { module } => write!(f, "{module} is in no layer: place it in LAYERS"),
            Self::Apart { from, to } => write!(f, "{from} uses {to}, which APART keeps from it"),
        }
    }
}

/// The layer of `module` (0 is the top).
fn layer_of(layers: &[&[&str]], module: &str) -> Option<usize> {
    layers.iter().position(|layer| layer.contains(&module))
}

/// Every rule `uses` (module → the modules it uses) breaks.
fn check(layers: &[&[&str]], uses: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<Violation> {
    let mut found = cycles(uses);
    let mut modules: BTreeSet<&str> = uses.keys().map(String::as_str).collect();
    modules.extend(uses.values().flatten().map(String::as_str));
    for module in modules {
        if module != REFERENCE && layer_of(layers, module).is_none() {
            found.insert(Violation::Unplaced { module: module.to_owned() });
        }
    }
    for (from, tos) in uses {
        for to in tos.iter().filter(|to| *to != from) {
            if APART.contains(&(from.as_str(), to.as_str())) {
                found.insert(Violation::Apart { from: from.clone(), to: to.clone() });
            }
            if to == REFERENCE {
                if from != REFERENCE && !REFERENCE_USERS.contains(&from.as_str()) {
                    found.insert(Violation::UsesReference { from: from.clone() });
                }
            } else if from == REFERENCE {
                if !REFERENCE_USES.contains(&to.as_str()) {
                    found.insert(Violation::ReferenceUses { to: to.clone() });
                }
            } else if let (Some(f), Some(t)) = (layer_of(layers, from), layer_of(layers, to))
                && t < f
            {
                found.insert(Violation::Upward { from: from.clone(), to: to.clone() });
            }
        }
    }
    found
}

/// The cycles of `uses`: each set of two or more nodes that all reach one another (a strongly
/// connected component), as one violation.
fn cycles(uses: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<Violation> {
    let reach = |from: &str| {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(node) = todo.pop() {
            for next in uses.get(node).into_iter().flatten() {
                if seen.insert(next.as_str()) {
                    todo.push(next.as_str());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&str, BTreeSet<&str>> = uses.keys().map(|m| (m.as_str(), reach(m))).collect();
    let mut found = BTreeSet::new();
    for (module, reaches) in &reached {
        let members: Vec<String> = std::iter::once(*module)
            .chain(
                reaches.iter().copied().filter(|o| o != module && reached.get(o).is_some_and(|r| r.contains(module))),
            )
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if members.len() > 1 {
            found.insert(Violation::Cycle { members });
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

#[test]
fn every_module_uses_only_its_own_layer_or_below_and_none_use_each_other() {
    let uses = uses_in_src();
    println!("layers, top first: {LAYERS:?}; {REFERENCE} apart (used by {REFERENCE_USERS:?}, uses {REFERENCE_USES:?})");
    println!("what each module of src/ uses:");
    for (module, used) in &uses.modules {
        println!("  {module:<12} → {}", used.iter().map(String::as_str).collect::<Vec<_>>().join(", "));
    }
    println!("within a module, what each sub-module uses of its siblings:");
    for (sub, used) in uses.sub_modules.iter().filter(|(_, used)| !used.is_empty()) {
        println!("  {sub:<22} → {}", used.iter().map(String::as_str).collect::<Vec<_>>().join(", "));
    }
    let modules = &uses.modules;
    assert!(
        modules.len() >= 10 && modules.values().map(BTreeSet::len).sum::<usize>() >= 20,
        "read too little: {modules:?}"
    );
    let subs = &uses.sub_modules;
    assert!(subs.len() >= 30 && subs.values().map(BTreeSet::len).sum::<usize>() >= 20, "read too little: {subs:?}");

    let mut found = check(LAYERS, &uses.modules);
    found.extend(cycles(&uses.sub_modules));
    let known: BTreeMap<&str, &str> = KNOWN.iter().copied().collect();
    println!("violations ({}):", found.len());
    for v in &found {
        let note = known.get(v.to_string().as_str()).map_or_else(|| "NEW".to_owned(), |why| format!("known: {why}"));
        println!("  {v} ({note})");
    }
    let new: Vec<String> = found.iter().map(ToString::to_string).filter(|v| !known.contains_key(v.as_str())).collect();
    let found_text: BTreeSet<String> = found.iter().map(ToString::to_string).collect();
    let gone: Vec<&str> = KNOWN.iter().map(|(v, _)| *v).filter(|v| !found_text.contains(*v)).collect();
    assert!(
        new.is_empty(),
        "new layer violations (a module may use only its own layer or below, and no modules, nor sub-modules \
         of one module, use each other; see LAYERS in tests/in_process/layers/mod.rs):\n  {}",
        new.join("\n  ")
    );
    assert!(
        gone.is_empty(),
        "fixed, well done: remove these from KNOWN in tests/in_process/layers/mod.rs:\n  {}",
        gone.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// The checker and the reader can fail
// ---------------------------------------------------------------------------------------------

fn fake(edges: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges {
        uses.entry((*from).to_owned()).or_default().insert((*to).to_owned());
    }
    uses
}

fn cycle(members: &[&str]) -> Violation {
    Violation::Cycle { members: members.iter().map(|m| (*m).to_owned()).collect() }
}

#[test]
fn the_checker_reports_a_cycle_an_upward_use_and_the_reference_rules() {
    let layers: &[&[&str]] = &[&["cli"], &["app", "middle", "beside"], &["bottom"]];
    let uses = fake(&[
        ("cli", "middle"),
        ("middle", "bottom"),
        ("middle", "beside"),
        ("beside", "middle"),
        ("bottom", "cli"),
        ("middle", REFERENCE),
        ("app", REFERENCE),
        (REFERENCE, "bottom"),
        ("cli", "nowhere"),
    ]);
    let found: Vec<String> = check(layers, &uses).iter().map(ToString::to_string).collect();
    for expected in [
        // cli → middle → bottom → cli, middle → reference → bottom, middle ↔ beside: one cycle.
        "beside, bottom, cli, middle and reference use each other in a cycle",
        "bottom uses cli, a higher layer",
        &format!("middle uses reference, which only {REFERENCE_USERS:?} may use"),
        &format!("reference uses bottom; it may use only {REFERENCE_USES:?}"),
        "nowhere is in no layer: place it in LAYERS",
    ] {
        assert!(found.iter().any(|f| f == expected), "{expected:?} not reported: {found:#?}");
    }
    assert_eq!(found.len(), 5, "only those: {found:#?}");
    // A cycle across layers is an upward use and a cycle.
    let found = check(layers, &fake(&[("cli", "bottom"), ("bottom", "cli")]));
    assert!(found.contains(&Violation::Upward { from: "bottom".into(), to: "cli".into() }), "{found:?}");
    assert!(found.contains(&cycle(&["bottom", "cli"])), "{found:?}");
    assert_eq!(cycle(&["bottom", "cli"]).to_string(), "bottom and cli use each other");
    // A clean house has nothing to report.
    assert!(check(layers, &fake(&[("cli", "middle"), ("middle", "bottom"), ("beside", "bottom")])).is_empty());
}

#[test]
fn the_checker_reports_a_use_of_a_module_kept_apart_in_the_same_layer() {
    assert!(layer_of(LAYERS, "report") == layer_of(LAYERS, "runner"), "one layer: only APART keeps them apart");
    let found = check(LAYERS, &fake(&[("report", "runner"), ("report", "outcome"), ("runner", "report")]));
    let expected = Violation::Apart { from: "report".into(), to: "runner".into() };
    assert!(found.contains(&expected), "{found:#?}");
    assert_eq!(expected.to_string(), "report uses runner, which APART keeps from it");
    // The other way is allowed (the runner may use report), and so is anything below.
    assert!(!found.contains(&Violation::Apart { from: "runner".into(), to: "report".into() }), "{found:#?}");
    assert!(check(LAYERS, &fake(&[("report", "outcome"), ("runner", "report")])).is_empty());
}

#[test]
fn the_checker_reports_every_cycle_among_sub_modules_once() {
    let uses = fake(&[
        ("m::a", "m::b"),
        ("m::b", "m::a"),
        ("m::c", "m::d"),
        ("m::d", "m::e"),
        ("m::e", "m::c"),
        ("m::e", "m::f"),
        ("m::f", "m::a"),
    ]);
    let found = cycles(&uses);
    assert_eq!(found, BTreeSet::from([cycle(&["m::a", "m::b"]), cycle(&["m::c", "m::d", "m::e"])]), "{found:#?}");
    assert_eq!(cycle(&["m::c", "m::d", "m::e"]).to_string(), "m::c, m::d and m::e use each other in a cycle");
    assert!(cycles(&fake(&[("m::a", "m::b"), ("m::b", "m::c"), ("m::a", "m::c")])).is_empty());
}
