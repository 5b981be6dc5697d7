//! Secrets never leave the process verbatim. Every text that reaches stdout, stderr or a report
//! passes through a [`Redactor`], which replaces each known secret by a short fingerprint: a
//! reader can still see that two values differ, or that the same value came back twice.
//!
//! Secrets are the values of `--header` options (the credential after an auth scheme too) and
//! every `token` value a target sends, learned from each response body before anything about it
//! is printed.

use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};

/// Shorter values are not treated as secrets: redacting `0` or `true` would garble every message.
const MIN_SECRET_LEN: usize = 4;

/// The replacement shown instead of a secret.
pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("‹sha256:{hex}›")
}

/// A shared, growing set of secrets. Cloning shares the set.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret, and the forms a target may echo it in inside JSON (escaped quotes and
    /// backslashes, `/` written `\/`); values too short to be secrets are ignored.
    pub fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.chars().count() < MIN_SECRET_LEN {
            return;
        }
        let json = serde_json::to_string(secret).unwrap_or_default();
        let json = json.trim_matches('"');
        for form in [secret, json, &json.replace('/', "\\/")] {
            self.add_one(form);
        }
    }

    fn add_one(&self, secret: &str) {
        let mut list = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        if !list.iter().any(|s| s == secret) {
            list.push(secret.to_owned());
            // Longest first, so a secret that contains another is replaced whole.
            list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Registers a header value, and its credential alone when it has a scheme
    /// (`Bearer abc…`), since a target may echo either.
    pub fn add_header_value(&self, value: &str) {
        self.add(value);
        if let Some((_, credential)) = value.trim().split_once(' ') {
            self.add(credential);
        }
    }

    /// Learns every `token` value in a response body: from the parsed JSON when it parses, and
    /// from a raw scan otherwise, so a truncated or broken body cannot leak one either.
    pub fn learn_tokens(&self, body: &[u8]) {
        let text = String::from_utf8_lossy(body);
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
            self.learn_tokens_in_value(&value);
        }
        for cap in token_pattern().captures_iter(&text) {
            let raw = &cap[1];
            self.add(raw);
            if let Ok(unescaped) = serde_json::from_str::<String>(&format!("\"{raw}\"")) {
                self.add(&unescaped);
            }
        }
    }

    /// Learns every string under a `token` key, at any depth.
    pub fn learn_tokens_in_value(&self, value: &serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        serde_json::Value::String(s) if k.eq_ignore_ascii_case("token") => self.add(s),
                        _ => self.learn_tokens_in_value(v),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| self.learn_tokens_in_value(v)),
            _ => {}
        }
    }

    /// The text with every known secret replaced by its fingerprint.
    pub fn redact(&self, text: &str) -> String {
        let list = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        let mut out = text.to_owned();
        for secret in list.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), &fingerprint(secret));
            }
        }
        out
    }
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
    fn ignores_values_too_short_to_be_secrets() {
        let r = Redactor::new();
        r.add("abc");
        assert_eq!(r.redact("abc"), "abc");
    }
}
