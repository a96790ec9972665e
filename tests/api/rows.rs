//! Raw rows for constraint tests: valid by default, so a test changes exactly one value and
//! sees the database refuse it. Values are bound parameters, so they are stored exactly as the
//! application stores them on either backend.

use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, ExecResult, Value};
use serde_json::json;
use uuid::Uuid;

/// One row of one table.
#[derive(Clone)]
pub struct Row {
    table: &'static str,
    values: Vec<(&'static str, Value)>,
}

impl Row {
    fn new(table: &'static str) -> Self {
        Self {
            table,
            values: Vec::new(),
        }
    }

    /// Sets (or replaces) a column's value.
    pub fn set(mut self, column: &'static str, value: impl Into<Value>) -> Self {
        let value = value.into();
        match self.values.iter_mut().find(|(name, _)| *name == column) {
            Some(slot) => slot.1 = value,
            None => self.values.push((column, value)),
        }
        self
    }

    fn timestamps(self) -> Self {
        let now = Utc::now();
        self.set("created_at", now).set("updated_at", now)
    }

    /// `INSERT`s the row.
    pub async fn insert(&self, db: &DatabaseConnection) -> Result<ExecResult, DbErr> {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(self.table))
            .columns(self.values.iter().map(|(name, _)| Alias::new(*name)))
            .values_panic(self.values.iter().map(|(_, value)| value.clone().into()));
        db.execute(&insert).await
    }
}

/// `INSERT`s rows of one table in one statement; they must set the same columns.
pub async fn insert_all(db: &DatabaseConnection, rows: &[Row]) -> Result<ExecResult, DbErr> {
    let first = rows.first().expect("rows");
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(first.table))
        .columns(first.values.iter().map(|(name, _)| Alias::new(*name)));
    for row in rows {
        insert.values_panic(row.values.iter().map(|(_, value)| value.clone().into()));
    }
    db.execute(&insert).await
}

pub fn organization(id: Uuid, slug: &str) -> Row {
    Row::new("organizations")
        .set("id", id)
        .set("name", format!("Org {slug}"))
        .set("slug", slug.to_owned())
        .set("industry", "retail")
        .set("company_size", "51-200")
        .set("settings", json!({}))
        .set("status", "active")
        .timestamps()
}

pub fn user(id: Uuid, email: &str) -> Row {
    Row::new("users")
        .set("id", id)
        .set("email", email.to_owned())
        .set("first_name", "Ada")
        .set("last_name", "Lovelace")
        .set("platform_role", "user")
        .set("status", "active")
        .timestamps()
}

pub fn member(organization_id: Uuid, user_id: Uuid) -> Row {
    Row::new("organization_members")
        .set("id", Uuid::now_v7())
        .set("organization_id", organization_id)
        .set("user_id", user_id)
        .set("role", "member")
        .set("status", "active")
        .set("joined_at", Utc::now())
        .timestamps()
}

pub fn assessment(id: Uuid, organization_id: Uuid, user_id: Uuid) -> Row {
    Row::new("assessments")
        .set("id", id)
        .set("organization_id", organization_id)
        .set("user_id", user_id)
        .set("assessment_type", "bpm")
        .set("version", "1.0")
        .set("responses", json!({ "q1": 3 }))
        .set("metadata", json!({}))
        .set("status", "in_progress")
        .timestamps()
}

pub fn score(assessment_id: Uuid, organization_id: Uuid) -> Row {
    Row::new("assessment_scores")
        .set("id", Uuid::now_v7())
        .set("assessment_id", assessment_id)
        .set("organization_id", organization_id)
        .set("overall_score", Decimal::new(325, 2))
        .set("bracket", "score_3")
        .set("category_scores", json!({ "strategy": "3.25" }))
        .set("recommendations", json!([]))
        .set("next_steps", json!([]))
        .set("confidence", Decimal::new(60, 2))
        .set("maturity_level", 6_i16)
        .set("ai_readiness_score", Decimal::new(4250, 2))
        .timestamps()
}

pub fn twin(id: Uuid, organization_id: Uuid) -> Row {
    Row::new("organization_digital_twins")
        .set("id", id)
        .set("organization_id", organization_id)
        .set("maturity_level", 6_i16)
        .set("maturity_score", Decimal::new(310, 2))
        .set("ai_readiness_score", Decimal::new(6200, 2))
        .set("technology_inventory", json!({}))
        .set("skills_inventory", json!({}))
        .set("readiness_indicators", json!({}))
        .set(
            "dimension_scores",
            json!([{ "key": "strategy", "name": "Strategy", "score": 3.1, "weight": 1.0,
                     "contributions": [] }]),
        )
        .set("explanation", json!({ "model_version": "1.0" }))
        .set("assessment_count", 1)
        .set("computed_at", Utc::now())
        .timestamps()
}

pub fn snapshot(twin_id: Uuid, organization_id: Uuid) -> Row {
    Row::new("digital_twin_snapshots")
        .set("id", Uuid::now_v7())
        .set("twin_id", twin_id)
        .set("organization_id", organization_id)
        .set("maturity_level", 6_i16)
        .set("maturity_score", Decimal::new(310, 2))
        .set("ai_readiness_score", Decimal::new(6200, 2))
        .set("assessment_count", 1)
        .set("state", json!({}))
        .set("reason", "change")
        .set("captured_at", Utc::now())
        .timestamps()
}

pub fn consent_type(code: &str, version: i32) -> Row {
    Row::new("consent_types")
        .set("id", Uuid::now_v7())
        .set("code", code.to_owned())
        .set("version", version)
        .set("name", "Newsletter")
        .set("description", "Receive the monthly newsletter.")
        .set("required", false)
        .timestamps()
}

pub fn user_consent(user_id: Uuid, consent_type_id: Uuid) -> Row {
    Row::new("user_consents")
        .set("id", Uuid::now_v7())
        .set("user_id", user_id)
        .set("consent_type_id", consent_type_id)
        .set("granted", true)
        .set("recorded_at", Utc::now())
        .timestamps()
}

pub fn audit_entry() -> Row {
    Row::new("audit_log")
        .set("created_at", Utc::now())
        .set("table_name", "organizations")
        .set("record_id", Uuid::now_v7().to_string())
        .set("operation", "INSERT")
        .set("new_values", json!({ "name": "x" }))
        .set("ip_address", "203.0.113.7")
        // Unique, as every hash of the chain is.
        .set(
            "hash",
            format!("{}{}", Uuid::now_v7().simple(), Uuid::now_v7().simple()),
        )
}

/// A pending invitation of `organization_id` to `email`, open for a week.
pub fn invitation(organization_id: Uuid, email: &str) -> Row {
    Row::new("organization_invitations")
        .set("id", Uuid::now_v7())
        .set("organization_id", organization_id)
        .set("invitee_email", email.to_lowercase())
        .set("role", "member")
        .set(
            "token_hash",
            format!("{}{}", Uuid::now_v7().simple(), Uuid::now_v7().simple()),
        )
        .set("status", "pending")
        .set("expires_at", Utc::now() + chrono::Duration::days(7))
        .timestamps()
}

/// A dry-run erasure about `subject` that failed: every column holds a value.
pub fn data_request(subject: Uuid) -> Row {
    let now = Utc::now();
    Row::new("gdpr_requests")
        .set("id", Uuid::now_v7())
        .set("request_type", "erasure")
        .set("subject_user_id", subject)
        .set("requested_by", subject)
        .set("dry_run", true)
        .set("status", "failed")
        .set("result", json!({ "rows": 3 }))
        .set("error", "the worker stopped")
        .set("requested_at", now)
        .set("started_at", now)
        .set("finished_at", now)
        .timestamps()
}

pub fn event(organization_id: Uuid) -> Row {
    Row::new("events")
        .set("id", Uuid::now_v7())
        .set("organization_id", organization_id)
        .set("aggregate_type", "organization")
        .set("aggregate_id", organization_id)
        .set("event_type", "organization.created")
        .set("payload", json!({}))
        .set("created_at", Utc::now())
}

/// An organisation with one member who has one assessment.
pub struct Tenant {
    pub organization: Uuid,
    pub user: Uuid,
    pub assessment: Uuid,
}

/// Inserts a [`Tenant`] whose slug and email derive from `name`.
pub async fn tenant(db: &DatabaseConnection, name: &str) -> Tenant {
    let tenant = Tenant {
        organization: Uuid::now_v7(),
        user: Uuid::now_v7(),
        assessment: Uuid::now_v7(),
    };
    organization(tenant.organization, name)
        .insert(db)
        .await
        .expect("organization");
    user(tenant.user, &format!("{name}@example.com"))
        .insert(db)
        .await
        .expect("user");
    member(tenant.organization, tenant.user)
        .insert(db)
        .await
        .expect("membership");
    assessment(tenant.assessment, tenant.organization, tenant.user)
        .insert(db)
        .await
        .expect("assessment");
    tenant
}
