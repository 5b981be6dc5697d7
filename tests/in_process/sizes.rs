//! The house's sizes, as issue #25 set them: a function within [`FUNCTION_LINES`] lines of code, a
//! module (a file) within [`MODULE_LINES`], in `src/` and in `tests/`. Lines of code are the
//! lines that are neither blank nor comments; a file's inline `#[cfg(test)] mod tests` is not
//! counted (tests of a module sit beside it, as long as they need).
//!
//! Functions are found as rustfmt lays them out: `fn name` opens a function at some indentation,
//! and the first line at that indentation that starts with `}` closes it. (rustfmt runs in CI, so
//! the layout holds.)
//!
//! What is over today is listed in [`KNOWN`], each with why: the test fails on anything over that
//! is not listed, and on a listed one that is no longer over, so the list only shrinks.

use crate::support::source::rust_files;
use std::path::Path;

/// The most lines of code a function may have.
const FUNCTION_LINES: usize = 80;
/// The most lines of code a module (a file) may have, its inline tests apart.
const MODULE_LINES: usize = 500;

/// Functions and modules over their size today (`path` from the crate root, `path::function`
/// for a function), each with why.
const KNOWN: &[(&str, &str)] = &[];

#[test]
fn functions_and_modules_keep_within_their_sizes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    let mut over = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap();
        let lines = without_inline_tests(&text);
        let module = lines.iter().filter(|l| is_code(l)).count();
        if module > MODULE_LINES {
            over.push((relative.clone(), format!("{module} lines of code, over {MODULE_LINES}")));
        }
        for (name, size) in functions(&lines) {
            if size > FUNCTION_LINES {
                over.push((format!("{relative}::{name}"), format!("{size} lines of code, over {FUNCTION_LINES}")));
            }
        }
    }
    let unlisted: Vec<String> = over
        .iter()
        .filter(|(what, _)| !KNOWN.iter().any(|(known, _)| known == what))
        .map(|(what, size)| format!("{what}: {size}"))
        .collect();
    let gone: Vec<&str> =
        KNOWN.iter().filter(|(known, _)| !over.iter().any(|(what, _)| what == known)).map(|(k, _)| *k).collect();
    assert!(unlisted.is_empty(), "over the house's sizes (split by what the parts do):\n{}", unlisted.join("\n"));
    assert!(gone.is_empty(), "no longer over its size: remove from KNOWN: {gone:?}");
}

/// The checker can fail: a long function and a long module are found, a short one is not, and a
/// file's inline tests are left out.
#[test]
fn the_size_checker_finds_what_is_over() {
    let body: String = (0..FUNCTION_LINES + 1).map(|i| format!("    let x{i} = {i};\n")).collect();
    let long = format!("//! A module.\n\npub fn long() {{\n{body}}}\n\nfn short() {{\n    // a comment\n\n}}\n");
    let lines = without_inline_tests(&long);
    let found = functions(&lines);
    assert_eq!(found, vec![("long".to_owned(), FUNCTION_LINES + 3), ("short".to_owned(), 2)]);
    let nested = "impl A {\n    pub(crate) async fn inner(&self) -> u8 {\n        1\n    }\n}\n";
    assert_eq!(functions(&without_inline_tests(nested)), vec![("inner".to_owned(), 3)]);
    let with_tests = format!("fn a() {{}}\n\n#[cfg(test)]\nmod tests {{\n{body}}}\n");
    assert_eq!(without_inline_tests(&with_tests).iter().filter(|l| is_code(l)).count(), 1);
}

fn is_code(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with("//")
}

/// The file's lines up to its inline test module (`#[cfg(test)]` then `mod …` at the top level).
fn without_inline_tests(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let end = (0..lines.len())
        .find(|&i| lines[i].starts_with("#[cfg(test)]") && lines.get(i + 1).is_some_and(|l| l.starts_with("mod ")))
        .unwrap_or(lines.len());
    lines[..end].to_vec()
}

/// Each function with a body: its name and its lines of code, signature and closing brace counted.
fn functions(lines: &[&str]) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some((indent, name)) = function_start(line) else { continue };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let closing = format!("{indent}}}");
        let end = if line.trim_end().ends_with('}') {
            start
        } else {
            (start + 1..lines.len())
                .find(|&i| lines[i].starts_with(&closing) && !lines[i].starts_with(&format!("{closing} else")))
                .unwrap_or(lines.len() - 1)
        };
        found.push((name, lines[start..=end].iter().filter(|l| is_code(l)).count()));
    }
    found
}

/// `(indentation, name)` when the line opens a function: `fn`, after any of `pub`, `pub(…)`,
/// `const`, `async`, `unsafe`, `extern "C"`.
fn function_start(line: &str) -> Option<(&str, String)> {
    let rest = line.trim_start();
    let indent = &line[..line.len() - rest.len()];
    let mut words = rest;
    loop {
        if let Some(after) = words.strip_prefix("pub(") {
            words = after.split_once(')')?.1.trim_start();
        } else if let Some(word) =
            ["pub ", "const ", "async ", "unsafe ", "extern \"C\" "].iter().find_map(|w| words.strip_prefix(w))
        {
            words = word.trim_start();
        } else {
            break;
        }
    }
    let name = words.strip_prefix("fn ")?;
    let name: String = name.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some((indent, name))
}
