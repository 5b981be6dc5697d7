//! Reading the source for the layers: every `crate::X` and `super::…` path of a file, outside
//! comments and string literals, resolved from the file's own module to a path from the crate
//! root; and what `src/` uses, module by module and sub-module by sub-module.

use crate::support::source::rust_files;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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

/// What `src/` uses: module → the other top-level modules it uses, and sub-module → the other
/// sub-modules of the same module it uses (`reference::uem` → `reference::defects`).
pub(super) struct Uses {
    pub(super) modules: BTreeMap<String, BTreeSet<String>>,
    pub(super) sub_modules: BTreeMap<String, BTreeSet<String>>,
}

pub(super) fn uses_in_src() -> Uses {
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
// The reader can fail
// ---------------------------------------------------------------------------------------------

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
