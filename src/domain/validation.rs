//! Input rules shared by every mutation, checked before anything is written. Each returns the
//! cleaned value (trimmed, empty optional text as `None`) or why it is refused; the caller names
//! the input field.

/// Why a value is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

fn invalid(message: impl Into<String>) -> Invalid {
    Invalid(message.into())
}

/// A display name: 1 to 200 characters once trimmed, without the invisible characters that
/// make one name look like another (bidirectional overrides and isolates, zero-width spaces
/// and joiners, the byte-order mark).
pub fn name(value: &str) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if let Some(c) = trimmed.chars().find(|c| is_spoofing_character(*c)) {
        return Err(invalid(format!(
            "must not contain the invisible character U+{:04X}",
            c as u32
        )));
    }
    match trimmed.chars().count() {
        0 => Err(invalid("must not be empty")),
        1..=200 => Ok(trimmed.to_owned()),
        _ => Err(invalid("must be at most 200 characters")),
    }
}

fn is_spoofing_character(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' // zero-width space, joiners, direction marks
        | '\u{202A}'..='\u{202E}' // embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner and invisible operators
        | '\u{2066}'..='\u{2069}' // isolates
        | '\u{061C}' // Arabic letter mark
        | '\u{FEFF}' // byte-order mark
    )
}

/// A URL-safe organisation name: 2 to 63 lowercase letters, digits and single hyphens, not
/// starting or ending with a hyphen.
pub fn slug(value: &str) -> Result<String, Invalid> {
    let well_formed = (2..=63).contains(&value.len())
        && value
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    if well_formed {
        Ok(value.to_owned())
    } else {
        Err(invalid(
            "must be 2–63 lowercase letters, digits and single hyphens, e.g. `acme-retail`",
        ))
    }
}

/// An email address: something before and after one `@`, a dot in the domain, no spaces;
/// stored trimmed and lowercased (addresses are compared without case).
pub fn email(value: &str) -> Result<String, Invalid> {
    let trimmed = value.trim().to_lowercase();
    let well_formed = trimmed.len() <= 254
        && !trimmed.chars().any(char::is_whitespace)
        && trimmed.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if well_formed {
        Ok(trimmed)
    } else {
        Err(invalid(
            "must be an email address such as `ada@example.com`",
        ))
    }
}

/// Optional free text of at most `max` characters; blank means none.
pub fn optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    let Some(trimmed) = value.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    if trimmed.chars().count() > max {
        return Err(invalid(format!("must be at most {max} characters")));
    }
    Ok(Some(trimmed.to_owned()))
}

/// An optional phone number: digits with spaces, `+`, `-`, `(`, `)`, and 5 to 20 digits.
pub fn phone(value: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(phone) = optional_text(value, 32)? else {
        return Ok(None);
    };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()".contains(c));
    if allowed && (5..=20).contains(&digits) {
        Ok(Some(phone))
    } else {
        Err(invalid("must be a phone number such as `+44 20 7946 0000`"))
    }
}

/// An optional `https://` (or `http://`) URL of at most 2 000 characters.
pub fn url(value: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(url) = optional_text(value, 2_000)? else {
        return Ok(None);
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => Ok(Some(url)),
        _ => Err(invalid("must be an http(s) URL")),
    }
}

/// An optional IANA time zone name such as `Europe/Paris` or `UTC`.
pub fn timezone(value: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(zone) = optional_text(value, 64)? else {
        return Ok(None);
    };
    let allowed = zone
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c));
    if allowed && zone.starts_with(|c: char| c.is_ascii_uppercase()) {
        Ok(Some(zone))
    } else {
        Err(invalid("must be a time zone name such as `Europe/Paris`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  Acme  ").unwrap(), "Acme");
        assert!(name("   ").is_err());
        assert!(name(&"x".repeat(201)).is_err());
    }

    #[test]
    fn names_may_not_hide_invisible_characters() {
        assert_eq!(name("Zoë Ångström").unwrap(), "Zoë Ångström");
        assert_eq!(name("محمد").unwrap(), "محمد");
        for spoof in [
            "Admin\u{202E}nimda",
            "Am\u{200B}ara",
            "\u{2066}Acme\u{2069}",
            "\u{FEFF}Acme",
        ] {
            let refused = name(spoof).unwrap_err();
            assert!(
                refused.0.contains("invisible character"),
                "{spoof:?}: {}",
                refused.0
            );
        }
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_single_hyphens() {
        for good in ["ab", "acme-retail", "a1-b2"] {
            assert!(slug(good).is_ok(), "{good}");
        }
        for bad in [
            "a",
            "Acme",
            "acme retail",
            "-acme",
            "acme-",
            "ac--me",
            "acmé",
            &"a".repeat(64),
        ] {
            assert!(slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(email(" Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "ada",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn optional_fields_treat_blank_as_none_and_check_the_rest() {
        assert_eq!(optional_text(Some("  "), 10).unwrap(), None);
        assert!(optional_text(Some("12345678901"), 10).is_err());
        assert_eq!(
            phone(Some("+44 20 7946 0000")).unwrap().as_deref(),
            Some("+44 20 7946 0000")
        );
        assert!(phone(Some("call me")).is_err());
        assert!(url(Some("https://example.com/ada")).is_ok());
        assert!(url(Some("javascript:alert(1)")).is_err());
        assert!(timezone(Some("Europe/Paris")).is_ok());
        assert!(timezone(Some("europe paris")).is_err());
    }
}
