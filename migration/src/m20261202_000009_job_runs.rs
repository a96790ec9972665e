//! The runs of background jobs: one row per job and period, the latest attempt.
//!
//! The UNIQUE (job, period) constraint is what lets several instances share one database: each
//! claims a period by inserting its row, and only one insert can win.

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
                        .table("job_runs")
                        .col(uuid_pk("id"))
                        .col(text("job"))
                        .col(text("period"))
                        .col(timestamp("started_at"))
                        .col(timestamp_null("finished_at"))
                        .col(text("outcome"))
                        .col(ColumnDef::new("rows_touched").big_integer().not_null())
                        .col(text_null("error")),
                )
                // Declared with the table, so that it is a constraint on both backends.
                .index(
                    Index::create()
                        .name("ux_job_runs_job_period")
                        .col("job")
                        .col("period")
                        .unique(),
                )
                .check(check_in(
                    "ck_job_runs_outcome",
                    "outcome",
                    &["running", "succeeded", "failed"],
                ))
                .check(check("ck_job_runs_rows_touched", "rows_touched >= 0"))
                .check(check(
                    "ck_job_runs_finished",
                    "(outcome = 'running') = (finished_at IS NULL)",
                ))
                .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["job_runs"]).await
    }
}
