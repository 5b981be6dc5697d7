//! The house keeps its layers (as ArchUnit does for Java): every module of `src/` may use only
//! modules of its own layer or below, no modules use each other in a cycle, and the built-in
//! reference target stands apart (only `app` may start it; it reads nothing of the suite but
//! `catalog`). Within one module, its sub-modules use each other in no cycle either
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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

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
/// What the reference may use.
const REFERENCE_USES: &[&str] = &["catalog"];

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
// Reading the source
// ---------------------------------------------------------------------------------------------

/// `text` with comments and the contents of string and character literals blanked out (to
/// spaces, newlines kept), so that only code is searched and braces in strings do not count.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').map_or(b.len(), |n| i + n);
            blank(&mut out, i, end);
            i = end;
        } else if rest.starts_with(b"/*") {
            // Block comments nest.
            let (mut depth, mut j) = (0usize, i);
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if let Some(hashes) = raw_string_start(b, i) {
            // r"…", r#"…"#, br#"…"#: ends at a quote followed by as many hashes.
            let open = b[i..].iter().position(|&c| c == b'"').unwrap() + i;
            let mut j = open + 1;
            while j < b.len()
                && !(b[j] == b'"' && b[j + 1..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes)
            {
                j += 1;
            }
            let end = (j + 1 + hashes).min(b.len());
            blank(&mut out, open + 1, j);
            i = end;
        } else if b[i] == b'"' {
            // "…" and b"…", with their escapes.
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i + 1, j.min(b.len()));
            i = j + 1;
        } else if b[i] == b'\'' {
            // A character literal ('x', '\n', '\u{7f}', '{'), or else a lifetime or a label.
            let end = if rest.get(1) == Some(&b'\\') {
                rest.iter().skip(2).position(|&c| c == b'\'').map(|n| i + 2 + n)
            } else {
                let ch = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (rest.get(1 + ch) == Some(&b'\'')).then_some(i + 1 + ch)
            };
            match end {
                Some(end) => {
                    blank(&mut out, i + 1, end);
                    i = end + 1;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8(out).expect("only ASCII bytes were replaced, whole characters at a time")
}

/// The number of `#` of a raw string literal starting at `i` (`r"`, `r#"`, `br"`…), if one does.
fn raw_string_start(b: &[u8], i: usize) -> Option<usize> {
    if is_ident(b, i.wrapping_sub(1)) {
        return None;
    }
    let j = if b[i..].starts_with(b"br") {
        i + 2
    } else if b[i] == b'r' {
        i + 1
    } else {
        return None;
    };
    let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
    (b.get(j + hashes) == Some(&b'"')).then_some(hashes)
}

fn is_ident(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// The paths from the crate root (their first two segments at most) that a file's code names:
/// every `crate::…` path, each one of a `crate::{a, b::{c, d}}` group, and every `super::…`
/// path, resolved from `module` (the file's module, as [`module_of`] gives it) and the inline
/// `mod name { … }` the path sits in.
fn crate_paths(code: &str, module: &[String]) -> BTreeSet<Vec<String>> {
    let b = code.as_bytes();
    let mut found = BTreeSet::new();
    // The inline modules the reading is in: the brace depth each opened at, and its name.
    let mut inline: Vec<(usize, String)> = Vec::new();
    let mut braces = 0usize;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'{' {
            braces += 1;
            i += 1;
            continue;
        }
        if b[i] == b'}' {
            braces = braces.saturating_sub(1);
            if inline.last().is_some_and(|(depth, _)| *depth == braces) {
                inline.pop();
            }
            i += 1;
            continue;
        }
        if is_ident(b, i.wrapping_sub(1)) || !(b[i].is_ascii_alphabetic() || b[i] == b'_') {
            i += 1;
            continue;
        }
        let word_end = (i..b.len()).find(|&j| !is_ident(b, j)).unwrap_or(b.len());
        let word = &code[i..word_end];
        if word == "mod" {
            // `mod name {` opens an inline module; `mod name;` does not.
            let after = code[word_end..].trim_start();
            let name_len = after.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
            if after[name_len..].trim_start().starts_with('{') {
                inline.push((braces, after[..name_len].to_owned()));
            }
        }
        // A path starts here unless it continues one (`a::super`, `$crate`).
        let starts = !code[..i].trim_end().ends_with("::") && b.get(i.wrapping_sub(1)) != Some(&b'$');
        // (`pub(super)` is no path: a path goes on with `::`.)
        let starts = starts && code[word_end..].starts_with("::");
        let resolved = match word {
            "crate" if starts => Some((Vec::new(), &code[word_end + 2..])),
            // The path goes on from the file's module and the inline ones it sits in.
            "super" if starts => {
                let mut here: Vec<String> = module.to_vec();
                here.extend(inline.iter().map(|(_, name)| name.clone()));
                Some((here, &code[i..]))
            }
            _ => None,
        };
        match resolved {
            Some((prefix, tree)) => {
                tree_paths(tree, prefix, &mut found);
                // Past the whole tree: the `super` of `super::{a, super::b}` is read there.
                i += tree_len(&code[i..]);
            }
            None => i = word_end,
        }
    }
    found
}

/// The paths (two segments at most) of the use tree `text` starts with, below `prefix`:
/// `a::b::c` is `a::b`, `{a, b::{c, d}}` is `a`, `b::c` and `b::d`; `self` and `*` name the
/// prefix itself, and `super` its parent.
fn tree_paths(text: &str, mut prefix: Vec<String>, out: &mut BTreeSet<Vec<String>>) {
    let text = text.trim_start();
    if let Some(group) = text.strip_prefix('{') {
        for item in group_items(group) {
            tree_paths(item, prefix.clone(), out);
        }
        return;
    }
    let len = text.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
    match &text[..len] {
        "" | "self" => {}
        "super" => {
            prefix.pop();
        }
        segment => prefix.push(segment.to_owned()),
    }
    match text[len..].trim_start().strip_prefix("::") {
        Some(rest) if len > 0 => tree_paths(rest, prefix, out),
        _ if !prefix.is_empty() => {
            prefix.truncate(2);
            out.insert(prefix);
        }
        _ => {}
    }
}

/// The length of the use tree (or path) `text` starts with: segments joined by `::`, a `{…}`
/// group after a `::` whole.
fn tree_len(text: &str) -> usize {
    let b = text.as_bytes();
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'{') {
            let mut level = 0;
            for (n, c) in b.iter().enumerate().skip(i) {
                match c {
                    b'{' => level += 1,
                    b'}' if level == 1 => return n + 1,
                    b'}' => level -= 1,
                    _ => {}
                }
            }
            return b.len();
        }
        let start = i;
        while i < b.len() && (is_ident(b, i) || b[i] == b'*') {
            i += 1;
        }
        let after = i + text[i..].len() - text[i..].trim_start().len();
        if i == start || !text[after..].starts_with("::") {
            return i;
        }
        i = after + 2;
        i += text[i..].len() - text[i..].trim_start().len();
    }
}

/// The items of a `{…}` group (its text after the `{`), split at its top-level commas.
fn group_items(group: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut level, mut start) = (0, 0);
    for (n, c) in group.char_indices() {
        match c {
            '{' => level += 1,
            '}' if level == 0 => {
                items.push(&group[start..n]);
                break;
            }
            '}' => level -= 1,
            ',' if level == 0 => {
                items.push(&group[start..n]);
                start = n + 1;
            }
            _ => {}
        }
    }
    items.retain(|item| !item.trim().is_empty());
    items
}

/// The top-level module a file of `src/` belongs to, and the file's own module path from the
/// crate root (`checks/probes.rs` is `checks::probes`, `checks/mod.rs` is `checks`; `main.rs`
/// and `lib.rs` are the crate root, which counts as `cli`).
fn module_of(relative: &Path) -> (String, Vec<String>) {
    let parts: Vec<&str> = relative.iter().map(|p| p.to_str().expect("a UTF-8 path")).collect();
    let top = parts[0].trim_end_matches(".rs");
    let (module, path) = match top {
        "main" | "lib" => ("cli", Vec::new()),
        m => (m, parts.iter().map(|p| p.trim_end_matches(".rs").to_owned()).filter(|p| p != "mod").collect()),
    };
    (module.to_owned(), path)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// What `src/` uses: module → the other top-level modules it uses, and sub-module → the other
/// sub-modules of the same module it uses (`reference::uem` → `reference::defects`).
struct Uses {
    modules: BTreeMap<String, BTreeSet<String>>,
    sub_modules: BTreeMap<String, BTreeSet<String>>,
}

fn uses_in_src() -> Uses {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let is_module = |dir: &Path, name: &str| dir.join(format!("{name}.rs")).is_file() || dir.join(name).is_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut uses = Uses { modules: BTreeMap::new(), sub_modules: BTreeMap::new() };
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let (module, path) = module_of(relative);
        let text = std::fs::read_to_string(&file).unwrap();
        // (`vpp_conformance::…` in main.rs is the library seen from the binary: main is the top.)
        let used = crate_paths(&code_only(&text), &path);
        let entry = uses.modules.entry(module.clone()).or_default();
        for name in used.iter().map(|p| &p[0]) {
            // A name the crate root defines that is not a module (nothing today) counts as the top.
            let target = if is_module(&src, name) { name.clone() } else { "cli".to_owned() };
            if target != module {
                entry.insert(target);
            }
        }
        // Within a module, between its sub-modules (the module's own mod.rs is none of them).
        let [top, sub, ..] = path.as_slice() else { continue };
        let entry = uses.sub_modules.entry(format!("{top}::{sub}")).or_default();
        for used in &used {
            if let [t, s] = used.as_slice()
                && t == top
                && s != sub
                && is_module(&src.join(top), s)
            {
                entry.insert(format!("{t}::{s}"));
            }
        }
    }
    uses
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
         of one module, use each other; see LAYERS in tests/in_process/layers.rs):\n  {}",
        new.join("\n  ")
    );
    assert!(
        gone.is_empty(),
        "fixed, well done: remove these from KNOWN in tests/in_process/layers.rs:\n  {}",
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
        "reference uses bottom; it may use only [\"catalog\"]",
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

fn paths(list: &[&[&str]]) -> BTreeSet<Vec<String>> {
    list.iter().map(|p| p.iter().map(|s| (*s).to_owned()).collect()).collect()
}

fn module(path: &[&str]) -> Vec<String> {
    path.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn the_reader_finds_crate_paths_in_code_and_nothing_in_comments_or_strings() {
    let source = r##"
use crate::catalog::{self, Level};
use crate::{redact, checks::accounts::{Brief, parse}, gate};
use super::sibling; // a sibling sub-module of the same module
use super::{other, super::config};
// use crate::commented_out;
/* use crate::block_commented; /* nested */ crate::still_comment */
fn f() -> &'static str {
    let _ = crate::client::MAX_BODY_BYTES;
    let _ = '{';
    let _ = "crate::in_a_string {";
    let _ = r#"crate::in_a_raw_string"#;
    let _ = $crate::not_a_path;
    crate::steps::common::DOCUMENTED_TENANT
}
mod tests {
    use super::*;
    use super::super::super::outcome::RunOutcome;
    use super::super::beside::Thing;
}
"##;
    let found = crate_paths(&code_only(source), &module(&["report", "html"]));
    let expected = paths(&[
        &["catalog", "Level"],
        &["catalog"],
        &["redact"],
        &["checks", "accounts"],
        &["gate"],
        &["report", "sibling"],
        &["report", "other"],
        // `super::{…, super::config}` from report::html: config at the root.
        &["config"],
        &["client", "MAX_BODY_BYTES"],
        &["steps", "common"],
        // `use super::*` in the tests module: report::html itself.
        &["report", "html"],
        &["outcome", "RunOutcome"],
        &["report", "beside"],
    ]);
    assert_eq!(found, expected);
    // From a top-level file, `super::` leads to the crate root.
    let found = crate_paths(&code_only("use super::report::Format;\nmod t { use super::*; }"), &module(&["cli"]));
    assert_eq!(found, paths(&[&["report", "Format"], &["cli"]]));
    assert_eq!(module_of(Path::new("checks/probes.rs")), ("checks".to_owned(), module(&["checks", "probes"])));
    assert_eq!(module_of(Path::new("checks/mod.rs")), ("checks".to_owned(), module(&["checks"])));
    assert_eq!(module_of(Path::new("cli/args.rs")), ("cli".to_owned(), module(&["cli", "args"])));
    assert_eq!(module_of(Path::new("main.rs")), ("cli".to_owned(), Vec::new()));
}
