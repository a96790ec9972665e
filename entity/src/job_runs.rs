//! `job_runs`: the latest attempt of each period of each background job.

use sea_orm::entity::prelude::*;

use crate::enums::JobOutcome;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    /// Names the current attempt: a retry of the period takes a new id, so an attempt that was
    /// given up on cannot record over its successor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The job's name, e.g. `monthly-snapshots`.
    pub job: String,
    /// The period the run covers: `2026-12` for a monthly job, `2026-12-02` for a daily one.
    pub period: String,
    pub started_at: DateTimeUtc,
    /// Unset while the run is in progress.
    pub finished_at: Option<DateTimeUtc>,
    pub outcome: JobOutcome,
    pub rows_touched: i64,
    /// Why the run failed.
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
