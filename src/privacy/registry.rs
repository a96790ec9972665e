//! The personal-data registry (seed 000's `pii_fields`): every column that can hold personal
//! data, what kind of data it is, and how it is anonymised. Erasure, export, retention and the
//! audit's pseudonyms all read this one list; [`check`] refuses, at start, a strategy the
//! column cannot take. Columns that hold text or JSON but nothing personal are listed in
//! [`NOT_PERSONAL`] with the reason, so a new column is a decision, never an oversight (a test
//! walks every table of the database against both lists).

use std::fmt;

use super::tables::{ColumnKind, TableInfo};

/// What kind of personal data a location holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Names the person on its own: an email, a name, a phone number.
    DirectIdentifier,
    /// Narrows down who the person is when combined: a title, a timezone, a department.
    QuasiIdentifier,
    /// Text a person wrote, which may name anyone.
    FreeText,
    /// Where a request came from: an IP address, a user agent.
    Network,
}

/// How a location is anonymised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Emptied: `NULL`, or a placeholder where the column is NOT NULL text.
    Nullify,
    /// Shape kept, content hidden: `j***@e***.com`.
    Mask,
    /// A keyed HMAC-SHA-256, versioned by its key.
    Hash,
    /// A stable token per person, shaped as an address that cannot receive mail.
    Pseudonymize,
    /// Coarsened (an IP to its /24 or /48), then emptied after the retention window.
    Generalize,
    /// Free text with the person's identifiers, and anything shaped as an email or a phone
    /// number, replaced.
    Redact,
}

impl Strategy {
    /// The strategy as recorded in `data_deletions`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nullify => "nullify",
            Self::Mask => "mask",
            Self::Hash => "hash",
            Self::Pseudonymize => "pseudonymize",
            Self::Generalize => "generalize",
            Self::Redact => "redact",
        }
    }
}

/// One registered location of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiiField {
    pub table: &'static str,
    pub column: &'static str,
    pub category: Category,
    pub strategy: Strategy,
}

impl PiiField {
    const fn new(
        table: &'static str,
        column: &'static str,
        category: Category,
        strategy: Strategy,
    ) -> Self {
        Self {
            table,
            column,
            category,
            strategy,
        }
    }
}

impl fmt::Display for PiiField {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}.{}", self.table, self.column)
    }
}

use Category::{DirectIdentifier, FreeText, Network, QuasiIdentifier};
use Strategy::{Generalize, Hash, Nullify, Pseudonymize, Redact};

/// Every location that can hold personal data. A JSON document registered as free text is
/// redacted value by value, at any depth.
pub const PII_FIELDS: &[PiiField] = &[
    PiiField::new("users", "email", DirectIdentifier, Pseudonymize),
    PiiField::new("users", "first_name", DirectIdentifier, Nullify),
    PiiField::new("users", "last_name", DirectIdentifier, Nullify),
    PiiField::new("users", "phone", DirectIdentifier, Nullify),
    PiiField::new("users", "linkedin_url", DirectIdentifier, Nullify),
    PiiField::new("users", "profile_pic_url", DirectIdentifier, Nullify),
    PiiField::new("users", "title", QuasiIdentifier, Nullify),
    PiiField::new("users", "timezone", QuasiIdentifier, Nullify),
    PiiField::new(
        "organization_members",
        "department",
        QuasiIdentifier,
        Nullify,
    ),
    PiiField::new(
        "organization_invitations",
        "invitee_email",
        DirectIdentifier,
        Pseudonymize,
    ),
    PiiField::new(
        "organization_invitations",
        "department",
        QuasiIdentifier,
        Nullify,
    ),
    PiiField::new(
        "organization_invitations",
        "custom_message",
        FreeText,
        Redact,
    ),
    PiiField::new("assessments", "responses", FreeText, Redact),
    PiiField::new("assessments", "metadata", FreeText, Redact),
    PiiField::new("organizations", "settings", FreeText, Redact),
    PiiField::new("user_consents", "source", FreeText, Redact),
    PiiField::new("user_consents", "ip_address", Network, Generalize),
    PiiField::new("user_consents", "user_agent", Network, Nullify),
    PiiField::new("audit_log", "ip_address", Network, Generalize),
    // Hashed when written (the chain covers it): never raw, so erasure leaves it.
    PiiField::new("audit_log", "user_agent", Network, Hash),
    // Personal values inside are hashed when written, by the names this registry gives.
    PiiField::new("audit_log", "old_values", DirectIdentifier, Hash),
    PiiField::new("audit_log", "new_values", DirectIdentifier, Hash),
    PiiField::new("events", "payload", FreeText, Redact),
    PiiField::new("mutation_receipts", "client_mutation_id", FreeText, Redact),
];

/// Text and JSON columns that hold nothing personal, and why.
pub const NOT_PERSONAL: &[(&str, &str, &str)] = &[
    ("organizations", "name", "a company's name"),
    ("organizations", "slug", "a company's handle"),
    ("organizations", "industry", "a company's sector"),
    ("assessments", "version", "the question model's version"),
    ("assessment_scores", "category_scores", "computed scores"),
    (
        "assessment_scores",
        "recommendations",
        "the rubric's text for a level",
    ),
    (
        "assessment_scores",
        "next_steps",
        "the rubric's text for a level",
    ),
    (
        "assessment_scores",
        "insights",
        "generated from scores and category names",
    ),
    ("assessment_scores", "swot", "the rubric's text for a level"),
    (
        "organization_digital_twins",
        "technology_inventory",
        "counts of scored answers",
    ),
    (
        "organization_digital_twins",
        "skills_inventory",
        "counts of scored answers",
    ),
    (
        "organization_digital_twins",
        "readiness_indicators",
        "computed indicators",
    ),
    (
        "organization_digital_twins",
        "dimension_scores",
        "computed scores",
    ),
    (
        "organization_digital_twins",
        "explanation",
        "which assessments counted, by id",
    ),
    (
        "digital_twin_snapshots",
        "state",
        "a copy of the twin's computed state",
    ),
    ("industry_benchmarks", "industry", "a sector"),
    (
        "industry_benchmarks",
        "maturity",
        "percentiles over cohorts of organisations",
    ),
    (
        "industry_benchmarks",
        "dimensions",
        "percentiles over cohorts of organisations",
    ),
    (
        "benchmark_positions",
        "dimension_percentiles",
        "an organisation's percentiles",
    ),
    ("consent_types", "code", "reference data"),
    ("consent_types", "name", "reference data"),
    ("consent_types", "description", "reference data"),
    ("maturity_levels", "name", "reference data"),
    ("maturity_levels", "description", "reference data"),
    ("maturity_criteria", "category", "reference data"),
    ("maturity_criteria", "criterion", "reference data"),
    ("maturity_criteria", "recommendation", "reference data"),
    ("maturity_criteria", "next_step", "reference data"),
    (
        "organization_invitations",
        "token_hash",
        "a hash of a random token",
    ),
    ("audit_log", "table_name", "a table's name"),
    ("audit_log", "record_id", "a row's key"),
    ("audit_log", "request_id", "a random request id"),
    ("audit_log", "session_id", "never written"),
    ("audit_log", "prev_hash", "the chain"),
    ("audit_log", "hash", "the chain"),
    ("events", "aggregate_type", "a type's name"),
    ("events", "event_type", "an event's name"),
    ("mutation_receipts", "mutation", "a mutation's name"),
    ("mutation_receipts", "record_id", "a row's key"),
    ("mutation_receipts", "request_hash", "a hash of the request"),
    ("job_runs", "job", "a job's name"),
    ("job_runs", "period", "a period's label"),
    (
        "job_runs",
        "error",
        "a job's error message, about rows by id",
    ),
    ("gdpr_requests", "result", "counts per table"),
    (
        "gdpr_requests",
        "error",
        "a run's error message, about rows by id",
    ),
    ("data_deletions", "table_name", "a table's name"),
    ("data_deletions", "column_name", "a column's name"),
    ("data_deletions", "strategy", "a strategy's name"),
    ("data_retention_policies", "entity", "a table's name"),
    ("data_retention_policies", "action", ENUMERATION),
    ("assessment_scores", "bracket", ENUMERATION),
    ("assessments", "assessment_type", ENUMERATION),
    ("assessments", "status", ENUMERATION),
    ("audit_log", "operation", ENUMERATION),
    ("benchmark_positions", "standing", ENUMERATION),
    ("digital_twin_snapshots", "reason", ENUMERATION),
    ("gdpr_requests", "request_type", ENUMERATION),
    ("gdpr_requests", "status", ENUMERATION),
    ("industry_benchmarks", "company_size", ENUMERATION),
    ("job_runs", "outcome", ENUMERATION),
    ("organization_invitations", "role", ENUMERATION),
    ("organization_invitations", "status", ENUMERATION),
    ("organization_members", "role", ENUMERATION),
    ("organization_members", "status", ENUMERATION),
    ("organizations", "company_size", ENUMERATION),
    ("organizations", "status", ENUMERATION),
    ("users", "platform_role", ENUMERATION),
    ("users", "status", ENUMERATION),
];

/// Why a text column of stored enumeration values is not personal.
const ENUMERATION: &str = "one of a fixed set of values (a CHECK constraint)";

/// The registered fields of `table`.
pub fn fields_of(table: &str) -> impl Iterator<Item = &'static PiiField> + '_ {
    PII_FIELDS.iter().filter(move |field| field.table == table)
}

/// Whether a key of an audited row names personal data: a column some table registers (an
/// audited row is a table's row, and the names are shared: `email` is personal everywhere).
pub fn is_personal_key(key: &str) -> bool {
    PII_FIELDS.iter().any(|field| field.column == key)
}

/// Why a registry cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("personal-data registry: {field}: {problem}")]
pub struct RegistryError {
    /// `table.column`.
    pub field: String,
    pub problem: String,
}

/// Checks every field against the columns it names: the column exists, and its type and
/// constraints can take the strategy (no mask into a UNIQUE column, no hash into a UUID, no
/// NULL into a NOT NULL column that is not text).
pub fn check(fields: &[PiiField], tables: &[TableInfo]) -> Result<(), RegistryError> {
    for field in fields {
        let refuse = |problem: &str| RegistryError {
            field: field.to_string(),
            problem: problem.to_owned(),
        };
        let column = tables
            .iter()
            .find(|table| table.name == field.table)
            .and_then(|table| table.column(field.column))
            .ok_or_else(|| refuse("no such column"))?;
        let text = column.kind == ColumnKind::Text;
        let json = column.kind == ColumnKind::Json;
        let problem = match field.strategy {
            Strategy::Mask if column.unique => {
                Some("a mask would make values collide in a UNIQUE column")
            }
            Strategy::Mask | Strategy::Pseudonymize if !text => Some("needs a text column"),
            Strategy::Hash if !(text || json) => Some("a keyed hash needs a text or JSON column"),
            Strategy::Nullify if !column.nullable && !text => {
                Some("NOT NULL and not text: no placeholder fits")
            }
            // Addresses only: no personal timestamp is registered, so date → month has no
            // column to act on and erasure no code for it.
            Strategy::Generalize if !text => Some("only addresses (text) can be generalised"),
            Strategy::Generalize if !column.nullable => {
                Some("a generalised value is emptied after its window: the column must be nullable")
            }
            Strategy::Redact if !(text || json) => Some("only text and JSON can be redacted"),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(refuse(problem));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::tables::{self, ColumnInfo};

    fn table(columns: Vec<ColumnInfo>) -> Vec<TableInfo> {
        let mut table = tables::all().remove(0);
        table.name = "people";
        table.columns = columns;
        vec![table]
    }

    fn column(name: &'static str, kind: ColumnKind, nullable: bool, unique: bool) -> ColumnInfo {
        ColumnInfo {
            name,
            kind,
            nullable,
            unique,
        }
    }

    fn field(column: &'static str, strategy: Strategy) -> PiiField {
        PiiField::new("people", column, DirectIdentifier, strategy)
    }

    #[test]
    fn the_registry_fits_the_schema() {
        check(PII_FIELDS, &tables::all()).expect("every strategy fits its column");
    }

    #[test]
    fn a_mask_into_a_unique_column_is_refused_naming_the_field() {
        let tables = table(vec![column("email", ColumnKind::Text, false, true)]);
        let error = check(&[field("email", Strategy::Mask)], &tables).unwrap_err();
        assert_eq!(error.field, "people.email");
        assert!(error.problem.contains("UNIQUE"), "{error}");
        check(&[field("email", Strategy::Pseudonymize)], &tables).expect("a token per person");
    }

    #[test]
    fn a_hash_into_a_uuid_column_is_refused() {
        let tables = table(vec![column("ref", ColumnKind::Uuid, true, false)]);
        let error = check(&[field("ref", Strategy::Hash)], &tables).unwrap_err();
        assert!(error.to_string().contains("people.ref"), "{error}");
    }

    #[test]
    fn nullify_needs_a_nullable_column_or_a_text_placeholder() {
        let tables = table(vec![
            column("born", ColumnKind::Timestamp, false, false),
            column("name", ColumnKind::Text, false, false),
        ]);
        assert!(check(&[field("born", Strategy::Nullify)], &tables).is_err());
        check(&[field("name", Strategy::Nullify)], &tables).expect("a placeholder");
    }

    #[test]
    fn generalize_and_redact_need_the_right_types() {
        let tables = table(vec![
            column("ip", ColumnKind::Text, false, false),
            column("count", ColumnKind::Other, true, false),
        ]);
        assert!(check(&[field("ip", Strategy::Generalize)], &tables).is_err());
        assert!(check(&[field("count", Strategy::Redact)], &tables).is_err());
        assert!(check(&[field("count", Strategy::Generalize)], &tables).is_err());
    }

    #[test]
    fn an_unknown_column_is_refused() {
        let error = check(&[field("nope", Strategy::Nullify)], &table(Vec::new())).unwrap_err();
        assert_eq!(error.problem, "no such column");
    }

    #[test]
    fn audit_keys_come_from_the_registry() {
        for key in [
            "email",
            "invitee_email",
            "responses",
            "user_agent",
            "custom_message",
        ] {
            assert!(is_personal_key(key), "{key}");
        }
        assert!(!is_personal_key("role"));
    }
}
