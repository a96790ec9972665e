//! Industry benchmarks: k-anonymous cohort statistics (industry × company size) and each
//! organisation's standing in its cohort, both rewritten by every refresh.

use sea_orm_migration::prelude::*;

use crate::COMPANY_SIZES;
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
                        .table("industry_benchmarks")
                        .col(uuid_pk("id"))
                        .col(text("industry"))
                        .col(text("company_size"))
                        .col(ColumnDef::new("organization_count").integer().not_null())
                        .col(json("maturity"))
                        .col(json("dimensions"))
                        .col(timestamp("refreshed_at")),
                )
                .check(check_in(
                    "ck_industry_benchmarks_company_size",
                    "company_size",
                    &COMPANY_SIZES,
                ))
                // k-anonymity, also as a rule of the table: no smaller cohort is ever stored.
                .check(check(
                    "ck_industry_benchmarks_organization_count",
                    "organization_count >= 5",
                ))
                .take(),
            )
            .await?;
        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("benchmark_positions")
                        .col(uuid_pk("id"))
                        .col(uuid_col("organization_id"))
                        .col(text("standing"))
                        .col(ColumnDef::new("benchmark_id").uuid().null())
                        .col(ColumnDef::new("maturity_percentile").decimal().null())
                        .col(json("dimension_percentiles"))
                        .col(timestamp("refreshed_at")),
                )
                .foreign_key(&mut foreign_key(
                    "fk_benchmark_positions_organization",
                    ("benchmark_positions", "organization_id"),
                    ("organizations", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    "fk_benchmark_positions_benchmark",
                    ("benchmark_positions", "benchmark_id"),
                    ("industry_benchmarks", "id"),
                    ForeignKeyAction::Cascade,
                ))
                .check(check_in(
                    "ck_benchmark_positions_standing",
                    "standing",
                    &[
                        "ranked",
                        "small_cohort",
                        "no_cohort",
                        "not_sharing",
                        "no_twin",
                    ],
                ))
                // Only a ranked organisation has a cohort and a percentile.
                .check(check(
                    "ck_benchmark_positions_ranked",
                    "(standing = 'ranked') = (benchmark_id IS NOT NULL) \
                     AND (standing = 'ranked' OR maturity_percentile IS NULL)",
                ))
                .take(),
            )
            .await?;
        execute_all(
            manager,
            &[
                "CREATE UNIQUE INDEX ux_industry_benchmarks_cohort \
                 ON industry_benchmarks (industry, company_size)",
                "CREATE UNIQUE INDEX ux_benchmark_positions_organization \
                 ON benchmark_positions (organization_id)",
                "CREATE INDEX ix_benchmark_positions_benchmark \
                 ON benchmark_positions (benchmark_id)",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["benchmark_positions", "industry_benchmarks"]).await
    }
}
