//! Personal values never reach the audit log: each is replaced by a keyed hash (HMAC-SHA-256),
//! which still shows that a value changed, and whether two rows name the same value, without
//! holding it. Erasing a person therefore never has to rewrite the log.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// Fields whose values are personal wherever they appear in a row.
pub const PERSONAL_FIELDS: [&str; 10] = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "title",
    "timezone",
    "linkedin_url",
    "profile_pic_url",
    "ip_address",
    "user_agent",
];

/// Replaces personal values by keyed hashes.
#[derive(Clone)]
pub struct Pseudonymizer {
    key: Vec<u8>,
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
        let mut mac = <Hmac<Sha256>>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"orgraph audit pseudonyms v1");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    /// `row` with the value of every personal field, at any depth (JSON columns such as
    /// settings nest contacts), replaced by `hmac:<hex>`.
    pub fn mask(&self, row: Value) -> Value {
        match row {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(field, value)| {
                        let masked = if PERSONAL_FIELDS.contains(&field.as_str()) {
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

    fn pseudonym(&self, value: &Value) -> Value {
        let text = match value {
            Value::Null => return Value::Null,
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let mut mac = <Hmac<Sha256>>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(text.to_lowercase().as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest
            .iter()
            .take(16)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Value::String(format!("hmac:{hex}"))
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
            "settings": { "billing": [{ "email": "fiona@example.com", "plan": "pro" }] }
        }));
        let billing = &masked["settings"]["billing"][0];
        assert!(billing["email"].as_str().unwrap().starts_with("hmac:"));
        assert_eq!(billing["plan"], "pro");
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
