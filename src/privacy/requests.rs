//! Running data-subject requests in the background. The worker takes the oldest pending
//! request (a conditional update, so two instances never take the same one), runs it and
//! records the outcome; an HTTP request only ever enqueues.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::enums::{AuditOperation, DataRequestStatus, DataRequestType};
use entity::{data_deletions, gdpr_requests};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::erasure::{self, Subject};
use super::export;
use super::strategy::{KEY_VERSION, Keys};
use crate::audit::{self, Change, Pseudonymizer, RequestMeta};
use crate::events::{self, NewEvent};

/// What the worker needs besides the database.
#[derive(Clone)]
pub struct Worker {
    pub keys: Keys,
    pub pseudonymizer: Pseudonymizer,
}

impl Worker {
    /// A worker whose keys derive from `secret` (the token secret, as for audit pseudonyms).
    pub fn new(secret: &[u8]) -> Self {
        Self {
            keys: Keys::new(secret),
            pseudonymizer: Pseudonymizer::new(secret),
        }
    }

    /// Runs pending requests, oldest first, until none is left; returns how many ran.
    pub async fn run_pending(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
    ) -> Result<u64, DbErr> {
        let mut ran = 0;
        while let Some(request) = claim_next(db, now).await? {
            let started = std::time::Instant::now();
            let outcome = self.run(db, &request, now).await;
            tracing::info!(
                request = %request.id,
                kind = request.request_type.as_str(),
                dry_run = request.dry_run,
                succeeded = outcome.is_ok(),
                duration_ms = started.elapsed().as_millis() as u64,
                "data request run"
            );
            finish(db, &request, outcome, Utc::now()).await?;
            ran += 1;
        }
        Ok(ran)
    }

    async fn run(
        &self,
        db: &DatabaseConnection,
        request: &gdpr_requests::Model,
        now: DateTime<Utc>,
    ) -> anyhow::Result<serde_json::Value> {
        let subject = Subject::load(db, request.subject_user_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the subject {} is gone", request.subject_user_id))?;
        match request.request_type {
            DataRequestType::Erasure => {
                let report = erasure::erase(db, &self.keys, &subject, now, request.dry_run).await?;
                if request.dry_run {
                    return Ok(
                        json!({ "dryRun": true, "rows": report.rows(), "locations": report.locations }),
                    );
                }
                let remaining = erasure::remaining(db, &subject).await?;
                let left: u64 = remaining.values().sum();
                anyhow::ensure!(
                    left == 0,
                    "{left} values still name the subject after erasure"
                );
                self.record(db, request, &report, now).await?;
                Ok(
                    json!({ "dryRun": false, "rows": report.rows(), "locations": report.locations,
                    "valuesRemaining": left }),
                )
            }
            DataRequestType::Export => {
                let collected = export::collect(db, subject.id, now).await?;
                let archive = collected.archive()?;
                let stored = export::store(db, request.id, archive, now).await?;
                let rows: BTreeMap<&str, usize> = collected
                    .tables
                    .iter()
                    .map(|(table, rows)| (*table, rows.len()))
                    .collect();
                Ok(json!({ "rows": collected.rows(), "tables": rows,
                    "bytes": stored.archive_bytes, "download": format!("/exports/{}", request.id),
                    "expiresAt": stored.expires_at }))
            }
        }
    }

    /// The proof of an erasure (`data_deletions`, one row per location) and its audit row, by
    /// the person's id only: the audit never held their values.
    async fn record(
        &self,
        db: &DatabaseConnection,
        request: &gdpr_requests::Model,
        report: &erasure::ErasureReport,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let tx = db.begin().await?;
        for location in &report.locations {
            data_deletions::ActiveModel {
                id: Set(Uuid::now_v7()),
                request_id: Set(request.id),
                table_name: Set(location.table.to_owned()),
                column_name: Set(location.column.to_owned()),
                strategy: Set(location.strategy.to_owned()),
                rows_changed: Set(i64::try_from(location.rows).unwrap_or(i64::MAX)),
                values_remaining: Set(0),
                key_version: Set(KEY_VERSION),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&tx)
            .await?;
        }
        let meta = RequestMeta {
            request_id: format!("gdpr-request:{}", request.id),
            ..RequestMeta::default()
        };
        audit::append(
            &tx,
            &self.pseudonymizer,
            Change {
                organization_id: None,
                actor_user_id: request.requested_by,
                table_name: "users",
                record_id: request.subject_user_id.to_string(),
                operation: AuditOperation::Update,
                old_values: None,
                new_values: Some(json!({ "anonymized_at": now, "gdpr_request_id": request.id })),
            },
            &meta,
        )
        .await?;
        events::append(
            &tx,
            NewEvent {
                organization_id: None,
                actor_user_id: request.requested_by,
                aggregate_type: "user",
                aggregate_id: request.subject_user_id,
                event_type: "user.erased",
                payload: json!({ "gdpr_request_id": request.id }),
            },
        )
        .await?;
        tx.commit().await
    }
}

/// Takes the oldest pending request: only one caller's conditional update succeeds.
async fn claim_next(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Option<gdpr_requests::Model>, DbErr> {
    loop {
        let Some(next) = gdpr_requests::Entity::find()
            .filter(gdpr_requests::Column::Status.eq(DataRequestStatus::Pending))
            .order_by_asc(gdpr_requests::Column::RequestedAt)
            .order_by_asc(gdpr_requests::Column::Id)
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let claimed = gdpr_requests::Entity::update_many()
            .col_expr(
                gdpr_requests::Column::Status,
                Expr::val(DataRequestStatus::Processing.as_str()),
            )
            .col_expr(gdpr_requests::Column::StartedAt, Expr::val(now))
            .col_expr(gdpr_requests::Column::UpdatedAt, Expr::val(now))
            .filter(gdpr_requests::Column::Id.eq(next.id))
            .filter(gdpr_requests::Column::Status.eq(DataRequestStatus::Pending))
            .exec(db)
            .await?;
        if claimed.rows_affected == 1 {
            return gdpr_requests::Entity::find_by_id(next.id).one(db).await;
        }
    }
}

async fn finish(
    db: &DatabaseConnection,
    request: &gdpr_requests::Model,
    outcome: anyhow::Result<serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut row: gdpr_requests::ActiveModel = request.clone().into();
    match outcome {
        Ok(result) => {
            row.status = Set(DataRequestStatus::Completed);
            row.result = Set(Some(result));
        }
        Err(error) => {
            tracing::warn!(request = %request.id, error = %format!("{error:#}"), "a data request failed");
            row.status = Set(DataRequestStatus::Failed);
            row.error = Set(Some(format!("{error:#}")));
        }
    }
    row.finished_at = Set(Some(now));
    row.updated_at = Set(now);
    row.update(db).await.map(|_| ())
}
