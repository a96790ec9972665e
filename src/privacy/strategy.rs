//! The anonymisation strategies as plain functions of a value: what erasure and retention
//! write in place of personal data.

use std::net::IpAddr;
use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use regex::Regex;
use serde_json::Value;
use sha2::Sha256;
use uuid::Uuid;

/// Written where a NOT NULL text column loses its value.
pub const PLACEHOLDER: &str = "[erased]";

/// Written in place of a redacted identifier inside free text.
pub const REDACTED: &str = "[redacted]";

/// The version of the keys below; recorded with every erasure so that a rotated key still
/// explains old tokens.
pub const KEY_VERSION: i32 = 1;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+").expect("a valid pattern")
});

/// Seven or more digits, with the separators phone numbers are written with.
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\d[\d ().-]{5,}\d").expect("a valid pattern"));

/// Keyed, versioned hashes and per-person tokens.
#[derive(Clone)]
pub struct Keys {
    key: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Keys(..)")
    }
}

impl Keys {
    /// The anonymisation keys derived from `secret`, the same in every instance sharing it.
    pub fn new(secret: &[u8]) -> Self {
        Self::derive(secret, &format!("orgraph anonymisation v{KEY_VERSION}"))
    }

    /// A key for one `purpose` derived from `secret`: keys of different purposes never give
    /// the same digest for the same text.
    pub fn derive(secret: &[u8], purpose: &str) -> Self {
        let mut mac = <Hmac<Sha256>>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    /// The first 128 bits of the text's HMAC-SHA-256, in hex.
    pub fn digest(&self, text: &str) -> String {
        let mut mac = <Hmac<Sha256>>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(text.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .take(16)
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// `hmac:v1:<hex>`: equal for equal values, unreadable without the key.
    pub fn hash(&self, text: &str) -> String {
        format!("hmac:v{KEY_VERSION}:{}", self.digest(text))
    }

    /// The person's token, shaped as an address under `.invalid` (RFC 2606): it fits every
    /// email column's checks, stays unique per person and can never receive mail.
    pub fn pseudonym(&self, person: Uuid) -> String {
        format!("erased-{}@erased.invalid", self.digest(&person.to_string()))
    }
}

/// `j***@e***.com`: the first letter of each part and the top-level domain kept.
pub fn mask(text: &str) -> String {
    let hide = |part: &str| match part.chars().next() {
        Some(first) => format!("{first}***"),
        None => String::new(),
    };
    match text.split_once('@') {
        Some((local, domain)) => {
            let (host, top) = domain.rsplit_once('.').unwrap_or((domain, ""));
            let top = if top.is_empty() {
                String::new()
            } else {
                format!(".{top}")
            };
            format!("{}@{}{top}", hide(local), hide(host))
        }
        None => hide(text),
    }
}

/// An address to its network: IPv4 to its /24, IPv6 to its /48. Anything else (already
/// generalised, not an address) is returned unchanged.
pub fn generalize_ip(text: &str) -> String {
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V4(address)) => {
            let [a, b, c, _] = address.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Ok(IpAddr::V6(address)) => {
            let segments = address.segments();
            format!("{:x}:{:x}:{:x}::/48", segments[0], segments[1], segments[2])
        }
        Err(_) => text.to_owned(),
    }
}

/// What a person is known by, to find in free text.
#[derive(Debug, Clone, Default)]
pub struct Identifiers {
    values: Vec<String>,
    /// All of them, case-insensitively, longest first: compiled once, applied to every text.
    pattern: Option<Regex>,
}

impl Identifiers {
    /// The identifiers among `values`; blanks and single letters are left out (they would
    /// redact every text).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut values: Vec<String> = values
            .into_iter()
            .map(str::trim)
            .filter(|value| value.chars().count() > 1)
            .map(str::to_lowercase)
            .collect();
        // Longest first, so a full name goes before the first name inside it.
        values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        values.dedup();
        let alternatives: Vec<String> = values.iter().map(|value| regex::escape(value)).collect();
        let pattern = (!values.is_empty()).then(|| {
            Regex::new(&format!("(?i){}", alternatives.join("|"))).expect("escaped literals")
        });
        Self { values, pattern }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether `text` mentions any of them (case-insensitively).
    pub fn found_in(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        self.values
            .iter()
            .any(|value| text.contains(value.as_str()))
    }

    /// `text` with every identifier, email address and phone number replaced by
    /// [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let redacted = EMAIL.replace_all(text, REDACTED);
        let redacted = PHONE.replace_all(&redacted, REDACTED);
        self.redact_identifiers(&redacted)
    }

    /// `text` with the identifiers replaced, and nothing else: for text by someone else,
    /// which may mention the person beside other people.
    pub fn redact_identifiers(&self, text: &str) -> String {
        match &self.pattern {
            Some(pattern) => pattern.replace_all(text, REDACTED).into_owned(),
            None => text.to_owned(),
        }
    }

    /// A JSON document with every string in it [`redact`](Self::redact)ed, at any depth;
    /// keys are kept.
    pub fn redact_json(&self, document: &Value) -> Value {
        map_strings(document, &|text| self.redact(text))
    }

    /// A JSON document with the identifiers replaced in every string, at any depth.
    pub fn redact_json_identifiers(&self, document: &Value) -> Value {
        map_strings(document, &|text| self.redact_identifiers(text))
    }
}

/// `value` with `change` applied to every string in it.
fn map_strings(value: &Value, change: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(text) => Value::String(change(text)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| map_strings(item, change)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| (key.clone(), map_strings(item, change)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_mask_keeps_the_shape() {
        assert_eq!(mask("jane.doe@example.com"), "j***@e***.com");
        assert_eq!(mask("Jane"), "J***");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn addresses_generalise_to_their_network() {
        assert_eq!(generalize_ip("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(
            generalize_ip("2001:db8:85a3::8a2e:370:7334"),
            "2001:db8:85a3::/48"
        );
        assert_eq!(generalize_ip("203.0.113.0/24"), "203.0.113.0/24");
    }

    #[test]
    fn hashes_and_pseudonyms_are_stable_per_key() {
        let keys = Keys::new(b"secret");
        let person = Uuid::now_v7();
        assert_eq!(keys.hash("a"), keys.hash("a"));
        assert_ne!(keys.hash("a"), Keys::new(b"other").hash("a"));
        assert!(keys.hash("a").starts_with("hmac:v1:"));
        let token = keys.pseudonym(person);
        assert_eq!(token, keys.pseudonym(person));
        assert_ne!(token, keys.pseudonym(Uuid::now_v7()));
        assert!(
            token.ends_with("@erased.invalid") && !token.contains(' '),
            "{token}"
        );
    }

    #[test]
    fn redaction_removes_identifiers_emails_and_phones() {
        let who = Identifiers::new(["Ada Lovelace", "Ada", "Lovelace", "ada@example.com", "x"]);
        let text = "I am ADA lovelace (ada@example.com, +44 20 7946 0958); ask bob@corp.io.";
        let redacted = who.redact(text);
        assert!(!who.found_in(&redacted), "{redacted}");
        assert!(
            !redacted.contains("bob@corp.io") && !redacted.contains("7946"),
            "{redacted}"
        );
        assert!(redacted.starts_with("I am [redacted]"), "{redacted}");
        // A single letter is no identifier: it would redact every text.
        assert!(!Identifiers::new(["x", " "]).found_in("x marks the spot"));
    }

    #[test]
    fn json_is_redacted_at_any_depth_keys_kept() {
        let who = Identifiers::new(["Grace Hopper"]);
        let document = json!({ "comments": "grace hopper wrote this", "q1": 4,
            "nested": [{ "note": "Grace Hopper" }] });
        let redacted = who.redact_json(&document);
        assert_eq!(redacted["q1"], 4);
        assert_eq!(redacted["comments"], "[redacted] wrote this");
        assert_eq!(redacted["nested"][0]["note"], REDACTED);
    }
}
