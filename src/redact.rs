//! Secrets never leave the process verbatim. Every text that reaches stdout, stderr or a report
//! passes through a [`Redactor`], which replaces each known secret by a short fingerprint: a
//! reader can still see that two values differ, or that the same value came back twice.
//!
//! Secrets are the values of `--header` options (the credential after an auth scheme too) and
//! every `token` value a target sends, learned from each response body before anything about it
//! is printed.
//!
//! Cost: a tenant of 50 000 accounts brings 50 000 tokens. Adding one is a hash-set look-up;
//! redacting a text is one pass over it with an Aho-Corasick automaton of every secret, whatever
//! their number. The automaton is rebuilt (in time linear in the secrets' total length) only when
//! the set has grown since the last redaction, so a run that keeps meeting the same tokens builds
//! it once or twice.

use crate::sync::ReadWrite;
use aho_corasick::{AhoCorasick, MatchKind};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::{Arc, RwLock};

/// Shorter values are not treated as secrets: redacting `0` or `true` would garble every message.
const MIN_SECRET_LEN: usize = 4;

/// The replacement shown instead of a secret.
pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let hex = hex::encode(&digest[..4]);
    format!("‹sha256:{hex}›")
}

/// A shared, growing set of secrets. Cloning shares the set.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Secrets>>,
}

#[derive(Default)]
struct Secrets {
    /// Every secret known, each form apart. Hashed with foldhash (seeded at random), not SipHash:
    /// every token of every list answered is looked up here, eight million at 50 000 accounts.
    known: foldhash::HashSet<String>,
    /// The secrets in the order they were learned; the automaton's pattern IDs index it.
    list: Vec<String>,
    /// The automaton over `list[..built.len]`, shared with redactions under way.
    built: Option<Arc<Matcher>>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the secrets themselves, not even in a debug dump.
        write!(f, "Secrets({} known)", self.list.len())
    }
}

struct Matcher {
    automaton: AhoCorasick,
    fingerprints: Vec<String>,
    len: usize,
}

impl Secrets {
    fn current(&self) -> Option<Arc<Matcher>> {
        self.built.as_ref().filter(|m| m.len == self.list.len()).cloned()
    }

    fn rebuild(&mut self) -> Option<Arc<Matcher>> {
        if self.list.is_empty() {
            return None;
        }
        if let Some(m) = self.current() {
            return Some(m);
        }
        // Leftmost-longest: where two secrets start at one place, the longer is replaced whole.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&self.list)
            .expect("secrets are bounded in number and length");
        let fingerprints = self.list.iter().map(|s| fingerprint(s)).collect();
        let matcher = Arc::new(Matcher { automaton, fingerprints, len: self.list.len() });
        self.built = Some(matcher.clone());
        Some(matcher)
    }
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret, and the forms a target may echo it in inside JSON (escaped quotes and
    /// backslashes, `/` written `\/`); values too short to be secrets are ignored.
    pub fn add(&self, secret: &str) {
        self.add_all(std::iter::once(secret));
    }

    /// Registers many secrets under one lock.
    fn add_all<'s>(&self, secrets: impl IntoIterator<Item = &'s str>) {
        let mut set = self.secrets.write_now();
        for secret in secrets {
            let secret = secret.trim();
            // Known already, with every form of it (they are added together): a large tenant's
            // tokens come again in every list it answers, 50 000 at a time.
            if set.known.contains(secret) || secret.chars().count() < MIN_SECRET_LEN {
                continue;
            }
            let json = serde_json::to_string(secret).unwrap_or_default();
            let json = json.trim_matches('"');
            for form in [secret, json, &json.replace('/', "\\/")] {
                if !set.known.contains(form) {
                    set.known.insert(form.to_owned());
                    set.list.push(form.to_owned());
                }
            }
        }
    }

    /// How many secrets (each form counted) are known.
    pub fn len(&self) -> usize {
        self.secrets.read_now().list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Registers a header value, and its credential alone when it has a scheme
    /// (`Bearer abc…`), since a target may echo either.
    pub fn add_header_value(&self, value: &str) {
        self.add(value);
        if let Some((_, credential)) = value.trim().split_once(' ') {
            self.add(credential);
        }
    }

    /// Learns every `token` value in a response body: every string that follows a key spelled
    /// `token` (in any letter case, letters written as `\u` escapes or not), found by one scan
    /// of the bytes without parsing them. In JSON a string followed by `:` is a key, and a quote
    /// inside a string is escaped, so in a whole JSON body the scan finds exactly the string
    /// values under `token` keys, at any depth; in a body that is not whole JSON (truncated,
    /// broken) it finds what looks like one, and a value cut short is learned as far as it goes.
    /// Linear in the body's size (a `memchr` from `k` to `k`, or from quote to quote in a body
    /// holding a `\u` escape); a value is copied only when it holds an escape, and the set is
    /// locked for writing only when a value is new.
    pub fn learn_tokens(&self, body: &[u8]) {
        let mut found: Vec<std::borrow::Cow<'_, str>> = Vec::new();
        for raw in TokenValues::new(body) {
            let raw = String::from_utf8_lossy(raw);
            // An escaped value is learned as it reads and as it came (a target that escapes `+`
            // as `\u002B` echoes it so, and a body's excerpt shows it so); one whose escapes do
            // not read (cut short) as it came.
            match raw.contains('\\').then(|| serde_json::from_str::<String>(&format!("\"{raw}\""))) {
                Some(Ok(unescaped)) => {
                    if unescaped.chars().count() >= MIN_SECRET_LEN {
                        found.push(raw);
                    }
                    found.push(unescaped.into());
                }
                _ => found.push(raw),
            }
        }
        if found.is_empty() {
            return;
        }
        // A large tenant's tokens come again in every list it answers, 50 000 at a time: most
        // are known, and a read lock tells so without holding the writers up.
        let new: Vec<&str> = {
            let set = self.secrets.read_now();
            found.iter().map(|c| c.trim()).filter(|s| !set.known.contains(*s)).collect()
        };
        if !new.is_empty() {
            self.add_all(new);
        }
    }

    /// Learns every string under a `token` key, at any depth.
    pub fn learn_tokens_in_value(&self, value: &serde_json::Value) {
        let mut found = Vec::new();
        tokens_in_value(value, &mut found);
        self.add_all(found);
    }

    /// The text with every known secret replaced by its fingerprint: one pass over the text.
    pub fn redact(&self, text: &str) -> String {
        let matcher = {
            let set = self.secrets.read_now();
            if set.list.is_empty() {
                return text.to_owned();
            }
            set.current()
        };
        let Some(matcher) = matcher.or_else(|| self.secrets.write_now().rebuild()) else {
            return text.to_owned();
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        // Secrets are whole UTF-8 strings, so every match starts and ends on a character boundary.
        for m in matcher.automaton.find_iter(text) {
            out.push_str(&text[last..m.start()]);
            out.push_str(&matcher.fingerprints[m.pattern().as_usize()]);
            last = m.end();
        }
        out.push_str(&text[last..]);
        out
    }
}

fn tokens_in_value<'v>(value: &'v serde_json::Value, found: &mut Vec<&'v str>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match v {
                    serde_json::Value::String(s) if k.eq_ignore_ascii_case("token") => found.push(s),
                    _ => tokens_in_value(v, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| tokens_in_value(v, found)),
        _ => {}
    }
}

/// The values under `token` keys in a body's bytes, as they are written (escapes kept), in
/// order. A key is a quoted string whose letters spell `token` in any case, each letter written
/// as itself or as a `\u00XX` escape, followed (JSON whitespace allowed) by `:` and a string; a
/// value ends at its first unescaped quote, or with the body.
struct TokenValues<'b> {
    body: &'b [u8],
    at: usize,
    /// Whether a key may be written with `\u` escapes (the body holds one somewhere): then every
    /// quote is where a key may open; otherwise only a quote three bytes before a `k`, found by
    /// a `memchr` that skips the body's many other quotes.
    escaped: bool,
}

impl<'b> TokenValues<'b> {
    fn new(body: &'b [u8]) -> Self {
        Self { body, at: 0, escaped: memchr::memmem::find(body, b"\\u").is_some() }
    }

    /// The next quote at or after `at` where a key spelled `token` may open.
    fn next_candidate(&mut self) -> Option<usize> {
        let b = self.body;
        if self.escaped {
            let quote = self.at + memchr::memchr(b'"', &b[self.at..])?;
            self.at = quote + 1;
            return Some(quote);
        }
        loop {
            let k = (self.at + 3).min(b.len());
            let k = k + memchr::memchr2(b'k', b'K', &b[k..])?;
            self.at = k - 2;
            if b[k - 3] == b'"' {
                return Some(k - 3);
            }
        }
    }

    /// Where a key spelled `token` that opens at `quote` ends (past its closing quote).
    fn key_end(&self, quote: usize) -> Option<usize> {
        let b = self.body;
        let mut i = quote + 1;
        for letter in *b"token" {
            match *b.get(i)? {
                c if c.eq_ignore_ascii_case(&letter) => i += 1,
                b'\\' => {
                    let esc = b.get(i + 1..i + 6)?;
                    let hex =
                        std::str::from_utf8(&esc[1..]).ok().filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))?;
                    let code = u8::try_from(u32::from_str_radix(hex, 16).ok()?).ok()?;
                    if !(esc[0] == b'u' && code.eq_ignore_ascii_case(&letter)) {
                        return None;
                    }
                    i += 6;
                }
                _ => return None,
            }
        }
        (*b.get(i)? == b'"').then_some(i + 1)
    }

    /// Past whitespace from `i`: JSON's, and in a body that is not JSON what else reads as a
    /// space (a vertical tab, a form feed, a no-break space), so that a broken body's token is
    /// learned all the same.
    fn skip_space(&self, mut i: usize) -> usize {
        loop {
            match self.body.get(i..).unwrap_or_default() {
                [b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c, ..] => i += 1,
                [0xc2, 0xa0, ..] => i += 2,
                _ => return i,
            }
        }
    }
}

impl<'b> Iterator for TokenValues<'b> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        let b = self.body;
        while let Some(quote) = self.next_candidate() {
            let Some(key_end) = self.key_end(quote) else { continue };
            let colon = self.skip_space(key_end);
            if b.get(colon) != Some(&b':') {
                continue;
            }
            let open = self.skip_space(colon + 1);
            if b.get(open) != Some(&b'"') {
                continue;
            }
            // The string up to its first unescaped quote; a lone backslash at the end is left out.
            let start = open + 1;
            let mut i = start;
            let end = loop {
                match memchr::memchr2(b'"', b'\\', &b[i..]) {
                    None => break b.len(),
                    Some(n) if b[i + n] == b'"' => break i + n,
                    Some(n) if i + n + 1 < b.len() => i += n + 2,
                    Some(n) => break i + n,
                }
            };
            self.at = (end + 1).min(b.len());
            return Some(&b[start..end]);
        }
        self.at = b.len();
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_learned_tokens_and_header_credentials() {
        let r = Redactor::new();
        r.add_header_value("Bearer s3cr3t-value");
        r.learn_tokens(br#"{"vppAccounts":[{"token":"abcdef123456"}]}"#);
        let shown = r.redact("got abcdef123456 with s3cr3t-value");
        assert!(!shown.contains("abcdef123456"), "{shown}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains(&fingerprint("abcdef123456")), "{shown}");
    }

    #[test]
    fn learns_tokens_from_a_truncated_body() {
        let r = Redactor::new();
        r.learn_tokens(br#"{"vppAccounts":[{"token":"truncated-secret-xyz"#);
        assert!(!r.redact("x truncated-secret-xyz").contains("truncated-secret-xyz"));
    }

    #[test]
    fn learns_tokens_at_any_depth_in_any_letter_case_and_escaped() {
        let r = Redactor::new();
        r.learn_tokens(
            br#"{"a":[{"b":{"TOKEN":"deep-secret-1"}}],"Token":{"token":"nested-secret-2"},"token":"esc\"aped\\one"}"#,
        );
        for secret in ["deep-secret-1", "nested-secret-2", r#"esc"aped\one"#, r#"esc\"aped\\one"#] {
            assert!(!r.redact(&format!("<{secret}>")).contains(secret), "{secret} shown");
        }
        // What is not under a token key is no secret.
        assert_eq!(r.redact("a b"), "a b");
    }

    #[test]
    fn learns_keys_written_with_escapes_and_nothing_that_is_no_token_key() {
        let r = Redactor::new();
        r.learn_tokens(
            br#"{"\u0074oken":"escaped-key-1", "T\u006FKEN" : "escaped-key-2",
                "tokenExpiryDate":"not-a-token-1", "name":"a \"token\": \"not-a-token-2\"",
                "list":["token","not-a-token-3"], "token":12345678, "tok":"not-a-token-4"}"#,
        );
        // A broken body's spaces other than JSON's.
        r.learn_tokens(b"{\"token\"\x0c:\x0b\"formfeed-secret\", \"Token\"\xc2\xa0: \"nbsp-secret\"}");
        for secret in ["formfeed-secret", "nbsp-secret"] {
            assert!(!r.redact(secret).contains(secret), "{secret} shown");
        }
        // A value as a .NET target writes it (`+` escaped) is hidden in both forms.
        r.learn_tokens(br#"{"token":"ab\u002Bcd/ef"}"#);
        for secret in ["escaped-key-1", "escaped-key-2", "ab+cd/ef", r"ab\u002Bcd/ef", r"ab+cd\/ef"] {
            assert!(!r.redact(secret).contains(secret), "{secret} shown");
        }
        for shown in ["not-a-token-1", "not-a-token-2", "not-a-token-3", "12345678", "not-a-token-4"] {
            assert_eq!(r.redact(shown), shown, "{shown} is no token");
        }
    }

    /// The scan of the bytes learns what a walk of the parsed JSON learns, on random documents
    /// whose keys are near `token` and whose strings hold quotes, backslashes, colons and
    /// letters beyond ASCII, written plainly and with every key letter escaped.
    #[test]
    fn the_scan_learns_what_a_walk_of_the_parsed_json_learns() {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        const KEYS: [&str; 6] = ["token", "TOKEN", "Token", "tokens", "tok", "name"];
        const PIECES: [&str; 8] = ["abcd", "\"", "\\", ": \"", "token", "ü€", "\"token\":\"x", "/"];
        fn value(next: &mut dyn FnMut(usize) -> usize, depth: usize) -> serde_json::Value {
            match if depth > 3 { 2 + next(2) } else { next(4) } {
                0 => serde_json::Value::Object(
                    (0..next(4)).map(|_| (KEYS[next(KEYS.len())].to_owned(), value(next, depth + 1))).collect(),
                ),
                1 => serde_json::Value::Array((0..next(4)).map(|_| value(next, depth + 1)).collect()),
                2 => serde_json::Value::String((0..1 + next(4)).map(|_| PIECES[next(PIECES.len())]).collect()),
                _ => serde_json::json!(next(1000)),
            }
        }
        for round in 0..400 {
            let doc = value(&mut next, 0);
            let walked = Redactor::new();
            walked.learn_tokens_in_value(&doc);
            let plain = serde_json::to_string_pretty(&doc).unwrap();
            let escaped = plain.replace("\"token\"", "\"\\u0074o\\u006Ben\"").replace("\"TOKEN\"", "\"TO\\u004bEN\"");
            for text in [plain, escaped] {
                let scanned = Redactor::new();
                scanned.learn_tokens(text.as_bytes());
                let (a, b) = (walked.secrets.read_now(), scanned.secrets.read_now());
                // Everything the walk learns, and besides only the escaped forms it came in.
                assert!(a.known.is_subset(&b.known), "round {round}: {text}\n{:?}\n{:?}", a.known, b.known);
                for extra in b.known.difference(&a.known) {
                    assert!(extra.contains('\\') && !a.known.is_empty(), "round {round}: {extra} learned\n{text}");
                }
            }
        }
    }

    #[test]
    fn a_secret_that_contains_another_is_replaced_whole() {
        let r = Redactor::new();
        r.add("abcd");
        r.add("xxabcdyy");
        assert_eq!(r.redact("1 xxabcdyy 2 abcd"), format!("1 {} 2 {}", fingerprint("xxabcdyy"), fingerprint("abcd")));
    }

    #[test]
    fn secrets_learned_after_a_redaction_are_redacted_too() {
        let r = Redactor::new();
        r.add("first-secret");
        assert!(!r.redact("first-secret").contains("first-secret"));
        r.add("second-secret");
        let shown = r.redact("first-secret second-secret");
        assert!(!shown.contains("first-secret") && !shown.contains("second-secret"), "{shown}");
    }

    #[test]
    fn duplicates_are_kept_once() {
        let r = Redactor::new();
        for _ in 0..3 {
            r.learn_tokens(br#"{"vppAccounts":[{"token":"abcdef123456"},{"token":"abcdef123456"}]}"#);
        }
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn ignores_values_too_short_to_be_secrets() {
        let r = Redactor::new();
        r.add("abc");
        assert_eq!(r.redact("abc"), "abc");
    }
}
