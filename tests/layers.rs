//! The house keeps its layers (as ArchUnit does for Java): every module of `src/` may use only
//! modules of its own layer or below, no two modules use each other, and the built-in reference
//! target stands apart (only `cli` and `app` may start it; it reads nothing of the suite but
//! `catalog`).
//!
//! The test reads the source: every `crate::X` path (`use crate::X…`, `use crate::{X, Y…}`,
//! `crate::X::item` in code) and every `super::…` path that climbs to the crate root, outside
//! comments and string literals. A file belongs to its top-level module (`src/checks/probes.rs`
//! is `checks`); `src/main.rs`, `src/lib.rs` and `src/cli.rs` are the top, `cli`.
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
    // The command line: main.rs, lib.rs and cli.rs (and the exit status).
    &["cli"],
    // What the commands drive: a whole run (run, then export), and the OpenAPI export.
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
    // The embedded contract and the documented facts, which everything builds on.
    &["catalog"],
];

/// The built-in reference target, apart from the layers.
const REFERENCE: &str = "reference";
/// The only modules that may use the reference: `cli` (the `serve` command) and `app` (a run
/// with no base URL starts it and hands the runner its URL).
const REFERENCE_USERS: &[&str] = &["cli", "app"];
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
    /// `a` and `b` use each other (`a` < `b`).
    Mutual { a: String, b: String },
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
            Self::Mutual { a, b } => write!(f, "{a} and {b} use each other"),
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
    let mut found = BTreeSet::new();
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
            if from < to && uses.get(to).is_some_and(|back| back.contains(from)) {
                found.insert(Violation::Mutual { a: from.clone(), b: to.clone() });
            }
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

/// The names of the crate-root items a file's code uses: the first segment after `crate::`
/// (each one of a `crate::{a, b::c}` group), and after a `super::` chain that climbs to the
/// crate root from `depth` (1 for `src/x.rs` and `src/x/mod.rs`, 2 for `src/x/y.rs`), counting
/// the inline `mod name { … }` the path sits in.
fn crate_paths(code: &str, depth: usize) -> BTreeSet<String> {
    let b = code.as_bytes();
    let mut found = BTreeSet::new();
    // The brace depths at which inline modules opened.
    let mut modules: Vec<usize> = Vec::new();
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
            if modules.last() == Some(&braces) {
                modules.pop();
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
                modules.push(braces);
            }
        }
        let root = match word {
            "crate" if b.get(i.wrapping_sub(1)) != Some(&b'$') => code[word_end..].strip_prefix("::"),
            "super" => {
                let mut rest = &code[i..];
                let mut climbs = 0;
                while let Some(r) = rest.strip_prefix("super::") {
                    climbs += 1;
                    rest = r.trim_start();
                }
                // Climbing less than the full depth stays inside the same top-level module.
                (climbs == depth + modules.len()).then_some(rest)
            }
            _ => None,
        };
        if let Some(root) = root {
            let root = root.trim_start();
            if let Some(group) = root.strip_prefix('{') {
                // Split the group at its top-level commas; each item's first segment.
                let mut level = 0;
                let mut item_start = 0;
                for (n, c) in group.char_indices() {
                    match c {
                        '{' => level += 1,
                        '}' if level == 0 => {
                            found.extend(first_segment(&group[item_start..n]));
                            break;
                        }
                        '}' => level -= 1,
                        ',' if level == 0 => {
                            found.extend(first_segment(&group[item_start..n]));
                            item_start = n + 1;
                        }
                        _ => {}
                    }
                }
            } else {
                found.extend(first_segment(root));
            }
        }
        i = word_end;
    }
    found
}

fn first_segment(path: &str) -> Option<String> {
    let path = path.trim_start();
    let len = path.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
    (len > 0 && &path[..len] != "self").then(|| path[..len].to_owned())
}

/// The top-level module a file of `src/` belongs to, and its depth below the crate root.
fn module_of(relative: &Path) -> (String, usize) {
    let parts: Vec<&str> = relative.iter().map(|p| p.to_str().expect("a UTF-8 path")).collect();
    let top = parts[0].trim_end_matches(".rs");
    let module = match top {
        "main" | "lib" => "cli",
        m => m,
    };
    let depth = match parts.as_slice() {
        [_] => 1,
        [.., "mod.rs"] => parts.len() - 1,
        _ => parts.len(),
    };
    (module.to_owned(), depth)
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

/// Module → the other modules of the crate it uses, read from `src/`.
fn uses_in_src() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let (module, depth) = module_of(relative);
        let text = std::fs::read_to_string(&file).unwrap();
        // (`vpp_conformance::…` in main.rs is the library seen from the binary: main is the top.)
        let used = crate_paths(&code_only(&text), depth);
        let entry = uses.entry(module.clone()).or_default();
        for name in used {
            // A name the crate root defines that is not a module (nothing today) counts as the top.
            let target = if src.join(format!("{name}.rs")).is_file() || src.join(&name).is_dir() {
                name
            } else {
                "cli".to_owned()
            };
            if target != module {
                entry.insert(target);
            }
        }
    }
    uses
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

#[test]
fn every_module_uses_only_its_own_layer_or_below_and_no_two_use_each_other() {
    let uses = uses_in_src();
    println!("layers, top first: {LAYERS:?}; {REFERENCE} apart (used by {REFERENCE_USERS:?}, uses {REFERENCE_USES:?})");
    println!("what each module of src/ uses:");
    for (module, used) in &uses {
        println!("  {module:<12} → {}", used.iter().map(String::as_str).collect::<Vec<_>>().join(", "));
    }
    assert!(uses.len() >= 10 && uses.values().map(BTreeSet::len).sum::<usize>() >= 20, "read too little: {uses:?}");

    let found = check(LAYERS, &uses);
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
        "new layer violations (a module may use only its own layer or below, and no two modules use each \
         other; see LAYERS in tests/layers.rs):\n  {}",
        new.join("\n  ")
    );
    assert!(gone.is_empty(), "fixed, well done: remove these from KNOWN in tests/layers.rs:\n  {}", gone.join("\n  "));
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

#[test]
fn the_checker_reports_a_cycle_an_upward_use_and_the_reference_rules() {
    let layers: &[&[&str]] = &[&["cli"], &["middle", "beside"], &["bottom"]];
    let uses = fake(&[
        ("cli", "middle"),
        ("middle", "bottom"),
        ("middle", "beside"),
        ("beside", "middle"),
        ("bottom", "cli"),
        ("middle", REFERENCE),
        ("cli", REFERENCE),
        (REFERENCE, "bottom"),
        ("cli", "nowhere"),
    ]);
    let found: Vec<String> = check(layers, &uses).iter().map(ToString::to_string).collect();
    for expected in [
        "beside and middle use each other",
        "bottom uses cli, a higher layer",
        "middle uses reference, which only [\"cli\", \"app\"] may use",
        "reference uses bottom; it may use only [\"catalog\"]",
        "nowhere is in no layer: place it in LAYERS",
    ] {
        assert!(found.iter().any(|f| f == expected), "{expected:?} not reported: {found:#?}");
    }
    assert_eq!(found.len(), 5, "only those: {found:#?}");
    // A cycle across layers is an upward use and a mutual one.
    let found = check(layers, &fake(&[("cli", "bottom"), ("bottom", "cli")]));
    assert!(found.contains(&Violation::Upward { from: "bottom".into(), to: "cli".into() }), "{found:?}");
    assert!(found.contains(&Violation::Mutual { a: "bottom".into(), b: "cli".into() }), "{found:?}");
    // A clean house has nothing to report.
    assert!(check(layers, &fake(&[("cli", "middle"), ("middle", "bottom"), ("beside", "bottom")])).is_empty());
}

#[test]
fn the_reader_finds_crate_paths_in_code_and_nothing_in_comments_or_strings() {
    let source = r##"
use crate::catalog::{self, Level};
use crate::{redact, checks::accounts::{Brief, parse}, gate};
use super::sibling; // within the same module: not a crate path at depth 2
// use crate::commented_out;
/* use crate::block_commented; /* nested */ crate::still_comment */
fn f() -> &'static str {
    let _ = crate::client::MAX_BODY_BYTES;
    let _ = '{';
    let _ = "crate::in_a_string {";
    let _ = r#"crate::in_a_raw_string"#;
    crate::steps::common::DOCUMENTED_TENANT
}
mod tests {
    use super::*;
    use super::super::super::config::RunConfig;
}
"##;
    let found = crate_paths(&code_only(source), 2);
    let expected: BTreeSet<String> =
        ["catalog", "redact", "checks", "gate", "client", "steps", "config"].iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(found, expected);
    // From a top-level file, `super::` leads to the crate root.
    let found = crate_paths(&code_only("use super::report::Format;\nmod t { use super::*; }"), 1);
    assert_eq!(found, BTreeSet::from(["report".to_owned()]));
    assert_eq!(module_of(Path::new("checks/probes.rs")), ("checks".to_owned(), 2));
    assert_eq!(module_of(Path::new("checks/mod.rs")), ("checks".to_owned(), 1));
    assert_eq!(module_of(Path::new("main.rs")), ("cli".to_owned(), 1));
}
