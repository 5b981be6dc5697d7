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
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
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
    known: HashSet<String>,
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

    /// Learns every `token` value in a response body: from the JSON, walked without building a
    /// tree of it, and when the body is not whole JSON (truncated, broken) from a raw scan, so
    /// that such a body cannot leak one either. Linear in the body's size.
    pub fn learn_tokens(&self, body: &[u8]) {
        let mut found = Vec::new();
        let mut de = serde_json::Deserializer::from_slice(body);
        let whole = Collect(&mut found).deserialize(&mut de).and_then(|()| de.end()).is_ok();
        if !whole {
            // Not JSON, or cut short: what looks like a token is a secret all the same.
            let text = String::from_utf8_lossy(body);
            for cap in token_pattern().captures_iter(&text) {
                let raw = &cap[1];
                found.push(raw.to_owned());
                if raw.contains('\\')
                    && let Ok(unescaped) = serde_json::from_str::<String>(&format!("\"{raw}\""))
                {
                    found.push(unescaped);
                }
            }
        }
        if !found.is_empty() {
            self.add_all(found.iter().map(String::as_str));
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

/// Walks a JSON document as it is read, keeping only the strings under a `token` key (at any
/// depth, the key in any letter case): no tree of a large body is ever built.
struct Collect<'a>(&'a mut Vec<String>);

/// The value under a `token` key: kept when it is a string, walked when it is not.
struct UnderToken<'a>(&'a mut Vec<String>);

/// Whether a key is `token`, without allocating it.
struct IsTokenKey;

impl<'de> DeserializeSeed<'de> for Collect<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> DeserializeSeed<'de> for UnderToken<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> DeserializeSeed<'de> for IsTokenKey {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for IsTokenKey {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key.eq_ignore_ascii_case("token"))
    }
}

/// The scalar visits both walkers ignore.
macro_rules! ignore_scalars {
    () => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Collect(&mut *self.0))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(is_token) = map.next_key_seed(IsTokenKey)? {
                if is_token {
                    map.next_value_seed(UnderToken(&mut *self.0))?;
                } else {
                    map.next_value_seed(Collect(&mut *self.0))?;
                }
            }
            Ok(())
        }
    };
}

impl<'de> Visitor<'de> for Collect<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    ignore_scalars!();
}

impl<'de> Visitor<'de> for UnderToken<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: serde::de::Error>(self, token: &str) -> Result<(), E> {
        self.0.push(token.to_owned());
        Ok(())
    }
    ignore_scalars!();
}

fn token_pattern() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r#"(?i)"token"\s*:\s*"((?:[^"\\]|\\.)*)"?"#).expect("valid pattern"))
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
