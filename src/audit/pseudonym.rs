//! Personal values never reach the audit log: each is replaced by a keyed hash (HMAC-SHA-256),
//! which still shows that a value changed, and whether two rows name the same value, without
//! holding it. Erasing a person therefore never has to rewrite the log.

use serde_json::Value;

use crate::privacy::registry;
use crate::privacy::strategy::Keys;

/// Replaces personal values by keyed hashes. A field is personal when the personal-data
/// registry names a column of that name (`privacy::registry`).
#[derive(Clone)]
pub struct Pseudonymizer {
    keys: Keys,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Pseudonymizer(..)")
    }
}

impl Pseudonymizer {
    /// A pseudonymizer whose key is derived from `secret`, so the same secret gives the same
    /// pseudonyms in every instance.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            keys: Keys::derive(secret, "orgraph audit pseudonyms v1"),
        }
    }

    /// `row` with the value of every personal field, at any depth (JSON columns such as
    /// settings nest contacts), replaced by `hmac:<hex>`.
    pub fn mask(&self, row: Value) -> Value {
        match row {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(field, value)| {
                        let masked = if registry::is_personal_key(&field) {
                            self.pseudonym(&value)
                        } else {
                            self.mask(value)
                        };
                        (field, masked)
                    })
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|item| self.mask(item)).collect())
            }
            other => other,
        }
    }

    /// The pseudonym of one text, `hmac:<hex>`; equal for texts equal but for case.
    pub fn text(&self, text: &str) -> String {
        format!("hmac:{}", self.keys.digest(&text.to_lowercase()))
    }

    fn pseudonym(&self, value: &Value) -> Value {
        let text = match value {
            Value::Null => return Value::Null,
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        Value::String(self.text(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_fields_are_replaced_and_others_kept() {
        let masked = Pseudonymizer::new(b"secret").mask(json!({
            "email": "ada@example.com", "phone": null, "role": "admin", "first_name": "Ada"
        }));
        let email = masked["email"].as_str().unwrap();
        assert!(
            email.starts_with("hmac:") && !email.contains("ada"),
            "{email}"
        );
        assert_eq!(masked["phone"], Value::Null);
        assert_eq!(masked["role"], "admin");
        assert_ne!(masked["first_name"], "Ada");
    }

    #[test]
    fn personal_fields_nested_in_json_are_replaced_too() {
        let masked = Pseudonymizer::new(b"secret").mask(json!({
            "preferences": { "billing": [{ "email": "fiona@example.com", "plan": "pro" }] }
        }));
        let billing = &masked["preferences"]["billing"][0];
        assert!(billing["email"].as_str().unwrap().starts_with("hmac:"));
        assert_eq!(billing["plan"], "pro");
    }

    #[test]
    fn free_text_documents_are_replaced_whole() {
        let masked = Pseudonymizer::new(b"secret").mask(json!({
            "responses": { "comments": "Ada here, ada@example.com" }, "status": "in_progress"
        }));
        let responses = masked["responses"].as_str().expect("one pseudonym");
        assert!(responses.starts_with("hmac:"), "{responses}");
        assert_eq!(masked["status"], "in_progress");
    }

    #[test]
    fn pseudonyms_are_stable_per_key_and_differ_across_keys() {
        let row = json!({ "email": "Ada@Example.com" });
        let one = Pseudonymizer::new(b"secret").mask(row.clone());
        let same = Pseudonymizer::new(b"secret").mask(json!({ "email": "ada@example.com" }));
        let other = Pseudonymizer::new(b"another").mask(row);
        assert_eq!(one, same, "emails compare case-insensitively");
        assert_ne!(one, other);
    }
}
