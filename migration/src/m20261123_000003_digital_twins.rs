//! The digital twin of each organisation and its point-in-time history.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("organization_digital_twins")
                        .col(uuid_pk("id"))
                        .col(uuid_col("organization_id"))
                        .col(ColumnDef::new("maturity_level").small_integer().not_null())
                        .col(decimal("maturity_score"))
                        .col(decimal("ai_readiness_score"))
                        .col(json("technology_inventory"))
                        .col(json("skills_inventory"))
                        .col(json("readiness_indicators"))
                        .col(ColumnDef::new("assessment_count").integer().not_null())
                        .col(timestamp("computed_at")),
                )
                .foreign_key(&mut foreign_key(
                    "fk_organization_digital_twins_organization",
                    ("organization_digital_twins", "organization_id"),
                    ("organizations", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .check(check(
                    "ck_organization_digital_twins_maturity_level",
                    "maturity_level BETWEEN 0 AND 9",
                ))
                .check(check_two_decimals(
                    "ck_organization_digital_twins_maturity_score",
                    "maturity_score",
                    0,
                    5,
                ))
                .check(check_two_decimals(
                    "ck_organization_digital_twins_ai_readiness",
                    "ai_readiness_score",
                    0,
                    100,
                ))
                .check(check(
                    "ck_organization_digital_twins_assessment_count",
                    "assessment_count >= 0",
                ))
                .take(),
            )
            .await?;

        execute_all(
            manager,
            &[
                "CREATE UNIQUE INDEX ux_organization_digital_twins_org \
                 ON organization_digital_twins (organization_id)",
                "CREATE UNIQUE INDEX ux_organization_digital_twins_id_org \
                 ON organization_digital_twins (id, organization_id)",
            ],
        )
        .await?;

        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("digital_twin_snapshots")
                        .col(uuid_pk("id"))
                        .col(uuid_col("twin_id"))
                        .col(uuid_col("organization_id"))
                        .col(ColumnDef::new("maturity_level").small_integer().not_null())
                        .col(decimal("maturity_score"))
                        .col(decimal("ai_readiness_score"))
                        .col(ColumnDef::new("assessment_count").integer().not_null())
                        .col(json("state"))
                        .col(text("reason"))
                        .col(timestamp("captured_at")),
                )
                // A snapshot belongs to a twin of the same organisation, never another's.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_digital_twin_snapshots_twin")
                        .from("digital_twin_snapshots", ("twin_id", "organization_id"))
                        .to("organization_digital_twins", ("id", "organization_id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .check(check(
                    "ck_digital_twin_snapshots_maturity_level",
                    "maturity_level BETWEEN 0 AND 9",
                ))
                .check(check_two_decimals(
                    "ck_digital_twin_snapshots_maturity_score",
                    "maturity_score",
                    0,
                    5,
                ))
                .check(check_two_decimals(
                    "ck_digital_twin_snapshots_ai_readiness",
                    "ai_readiness_score",
                    0,
                    100,
                ))
                .check(check(
                    "ck_digital_twin_snapshots_assessment_count",
                    "assessment_count >= 0",
                ))
                .check(check_in(
                    "ck_digital_twin_snapshots_reason",
                    "reason",
                    &["change", "monthly"],
                ))
                .take(),
            )
            .await?;

        execute_all(
            manager,
            &[
                "CREATE INDEX ix_digital_twin_snapshots_org_captured \
                 ON digital_twin_snapshots (organization_id, captured_at, id)",
                "CREATE INDEX ix_digital_twin_snapshots_twin_captured \
                 ON digital_twin_snapshots (twin_id, captured_at, id)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &["digital_twin_snapshots", "organization_digital_twins"],
        )
        .await
    }
}
