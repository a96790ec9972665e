//! Consent types (versioned reference data) and each user's grant and withdrawal history.

use chrono::Utc;
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The consent types released with this migration: (code, name, description).
const CONSENT_TYPES: [(&str, &str, &str); 3] = [
    (
        "marketing",
        "Marketing communications",
        "Receive news, offers and event invitations by email.",
    ),
    (
        "analytics",
        "Product analytics",
        "Let usage of the platform be measured to improve it.",
    ),
    (
        "data_sharing",
        "Benchmark data sharing",
        "Let anonymised assessment results feed industry benchmarks shared with other organisations.",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("consent_types")
                        .col(uuid_pk("id"))
                        .col(text("code"))
                        .col(ColumnDef::new("version").integer().not_null())
                        .col(text("name"))
                        .col(text("description"))
                        .col(ColumnDef::new("required").boolean().not_null()),
                )
                .check(check(
                    "ck_consent_types_code",
                    "length(code) > 0 AND code = lower(code) AND code NOT LIKE '% %'",
                ))
                .check(check("ck_consent_types_version", "version >= 1"))
                .take(),
            )
            .await?;

        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("user_consents")
                        .col(uuid_pk("id"))
                        .col(uuid_col("user_id"))
                        .col(uuid_col("consent_type_id"))
                        .col(ColumnDef::new("granted").boolean().not_null())
                        .col(timestamp("recorded_at"))
                        .col(text_null("source"))
                        .col(text_null("ip_address"))
                        .col(text_null("user_agent")),
                )
                .foreign_key(&mut foreign_key(
                    "fk_user_consents_user",
                    ("user_consents", "user_id"),
                    ("users", "id"),
                    ForeignKeyAction::Cascade,
                ))
                // A consent type that someone answered is evidence: it cannot be deleted.
                .foreign_key(&mut foreign_key(
                    "fk_user_consents_consent_type",
                    ("user_consents", "consent_type_id"),
                    ("consent_types", "id"),
                    ForeignKeyAction::Restrict,
                ))
                .take(),
            )
            .await?;

        execute_all(
            manager,
            &[
                "CREATE UNIQUE INDEX ux_consent_types_code_version ON consent_types (code, version)",
                "CREATE INDEX ix_user_consents_user_type_recorded \
                 ON user_consents (user_id, consent_type_id, recorded_at, id)",
            ],
        )
        .await?;

        let now = Utc::now();
        let mut insert = Query::insert()
            .into_table("consent_types")
            .columns([
                "id",
                "code",
                "version",
                "name",
                "description",
                "required",
                "created_at",
                "updated_at",
            ])
            .take();
        for (code, name, description) in CONSENT_TYPES {
            insert.values_panic([
                uuid::Uuid::now_v7().into(),
                code.into(),
                1.into(),
                name.into(),
                description.into(),
                false.into(),
                now.into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["user_consents", "consent_types"]).await
    }
}
