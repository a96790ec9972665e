//! Data-subject requests (seed 004's `gdpr_requests`) and the record of what an erasure
//! changed (`data_deletions`). A request is about one person (its subject) and runs in the
//! background; the deletion record names tables, columns, strategies and counts, never a
//! value, so it can be kept as proof after the person is gone. An export's archive waits in
//! `data_exports` until its subject downloads it once, or it expires.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const REQUEST_TYPES: [&str; 2] = ["export", "erasure"];

const REQUEST_STATUSES: [&str; 5] = ["pending", "processing", "completed", "failed", "canceled"];

const RETENTION_ACTIONS: [&str; 3] = ["delete", "anonymize", "generalize"];

/// What is kept how long (seed 004): addresses generalised at once and emptied after 90 days,
/// events archived then deleted after two years, soft-deleted people anonymised after a
/// 30-day grace period, answered or expired invitations removed after 30 days, exports once
/// expired.
const RETENTION_POLICIES: [(&str, i32, &str, bool); 6] = [
    ("audit_log", 90, "generalize", false),
    ("user_consents", 90, "generalize", false),
    ("events", 730, "delete", true),
    ("users", 30, "anonymize", false),
    ("organization_invitations", 30, "delete", false),
    ("data_exports", 0, "delete", false),
];

const INDEXES: [&str; 3] = [
    // One open request per subject and kind: a second request returns the open one.
    "CREATE UNIQUE INDEX ux_gdpr_requests_open \
     ON gdpr_requests (subject_user_id, request_type, dry_run) \
     WHERE status IN ('pending', 'processing')",
    // The worker takes the oldest pending request.
    "CREATE INDEX ix_gdpr_requests_status_requested ON gdpr_requests (status, requested_at)",
    "CREATE INDEX ix_data_deletions_request ON data_deletions (request_id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("gdpr_requests")
                        .col(uuid_pk("id"))
                        .col(text("request_type"))
                        .col(uuid_col("subject_user_id"))
                        .col(ColumnDef::new("requested_by").uuid().null())
                        .col(ColumnDef::new("dry_run").boolean().not_null())
                        .col(text("status"))
                        .col(json_null("result"))
                        .col(text_null("error"))
                        .col(timestamp("requested_at"))
                        .col(timestamp_null("started_at"))
                        .col(timestamp_null("finished_at")),
                )
                .foreign_key(&mut foreign_key(
                    "fk_gdpr_requests_subject",
                    ("gdpr_requests", "subject_user_id"),
                    ("users", "id"),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    "fk_gdpr_requests_requested_by",
                    ("gdpr_requests", "requested_by"),
                    ("users", "id"),
                    ForeignKeyAction::SetNull,
                ))
                .check(check_in(
                    "ck_gdpr_requests_type",
                    "request_type",
                    &REQUEST_TYPES,
                ))
                .check(check_in(
                    "ck_gdpr_requests_status",
                    "status",
                    &REQUEST_STATUSES,
                ))
                .check(check(
                    "ck_gdpr_requests_dry_run",
                    "request_type = 'erasure' OR NOT dry_run",
                ))
                .check(check(
                    "ck_gdpr_requests_finished",
                    "(status IN ('completed', 'failed', 'canceled')) = (finished_at IS NOT NULL)",
                ))
                .take(),
            )
            .await?;
        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("data_deletions")
                        .col(uuid_pk("id"))
                        .col(uuid_col("request_id"))
                        .col(text("table_name"))
                        .col(text("column_name"))
                        .col(text("strategy"))
                        .col(ColumnDef::new("rows_changed").big_integer().not_null())
                        .col(ColumnDef::new("values_remaining").big_integer().not_null())
                        .col(ColumnDef::new("key_version").integer().not_null()),
                )
                .foreign_key(&mut foreign_key(
                    "fk_data_deletions_request",
                    ("data_deletions", "request_id"),
                    ("gdpr_requests", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .check(check(
                    "ck_data_deletions_counts",
                    "rows_changed >= 0 AND values_remaining >= 0",
                ))
                .take(),
            )
            .await?;
        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("data_exports")
                        .col(
                            ColumnDef::new("request_id")
                                .uuid()
                                .not_null()
                                .primary_key()
                                .take(),
                        )
                        .col(ColumnDef::new("archive").binary().not_null())
                        .col(ColumnDef::new("archive_bytes").big_integer().not_null())
                        .col(timestamp("expires_at")),
                )
                .foreign_key(&mut foreign_key(
                    "fk_data_exports_request",
                    ("data_exports", "request_id"),
                    ("gdpr_requests", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            )
            .await?;
        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("data_retention_policies")
                        .col(uuid_pk("id"))
                        .col(
                            ColumnDef::new("entity")
                                .text()
                                .not_null()
                                .unique_key()
                                .take(),
                        )
                        .col(ColumnDef::new("max_age_days").integer().not_null())
                        .col(text("action"))
                        .col(ColumnDef::new("export_before_delete").boolean().not_null()),
                )
                .check(check_in(
                    "ck_data_retention_policies_action",
                    "action",
                    &RETENTION_ACTIONS,
                ))
                .check(check("ck_data_retention_policies_age", "max_age_days >= 0"))
                .take(),
            )
            .await?;
        execute_all(manager, &INDEXES).await?;
        let now = chrono::Utc::now();
        let mut insert = Query::insert()
            .into_table("data_retention_policies")
            .columns([
                "id",
                "entity",
                "max_age_days",
                "action",
                "export_before_delete",
                "created_at",
                "updated_at",
            ])
            .take();
        for (entity, days, action, export) in RETENTION_POLICIES {
            insert.values_panic([
                uuid::Uuid::now_v7().into(),
                entity.into(),
                days.into(),
                action.into(),
                export.into(),
                now.into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            "data_retention_policies",
            "data_exports",
            "data_deletions",
            "gdpr_requests",
        ];
        drop_tables(manager, &tables).await
    }
}
