//! `job_runs`: claiming a period, recording how its run ended, listing the latest runs.
//!
//! A period's row is created by the first instance to claim it; the UNIQUE (job, period)
//! constraint makes every other insert do nothing. A failed or abandoned row is taken over by
//! one conditional UPDATE, which only one instance can win: PostgreSQL re-checks its WHERE on
//! the row it waited for, SQLite runs one write at a time.

use chrono::{DateTime, Utc};
use entity::enums::JobOutcome;
use entity::job_runs::{self, Column};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TryInsertResult,
};
use uuid::Uuid;

use super::runner::{STALE_RUN_AFTER, SkipReason};

/// Whether this instance got to run a period.
pub(super) enum Claim {
    /// It did, as the attempt with this id.
    Won(Uuid),
    /// Another attempt has the period, or had it and succeeded.
    Lost(SkipReason),
}

/// Claims `period` of `job` at `now`: inserts its row, or takes over a row whose attempt
/// failed or has been running longer than [`STALE_RUN_AFTER`] (its process is presumed dead).
pub(super) async fn claim(
    db: &DatabaseConnection,
    job: &str,
    period: &str,
    now: DateTime<Utc>,
) -> Result<Claim, DbErr> {
    let attempt = Uuid::now_v7();
    let inserted = job_runs::Entity::insert(job_runs::ActiveModel {
        id: Set(attempt),
        job: Set(job.to_owned()),
        period: Set(period.to_owned()),
        created_at: Set(now),
        ..running(now)
    })
    .on_conflict_do_nothing_on([Column::Job, Column::Period])
    .exec_without_returning(db)
    .await?;
    if matches!(inserted, TryInsertResult::Inserted(1)) {
        return Ok(Claim::Won(attempt));
    }

    let retaken = job_runs::Entity::update_many()
        .set(job_runs::ActiveModel {
            id: Set(attempt),
            ..running(now)
        })
        .filter(Column::Job.eq(job))
        .filter(Column::Period.eq(period))
        .filter(
            Condition::any()
                .add(Column::Outcome.eq(JobOutcome::Failed))
                .add(
                    Condition::all()
                        .add(Column::Outcome.eq(JobOutcome::Running))
                        .add(Column::StartedAt.lt(now - STALE_RUN_AFTER)),
                ),
        )
        .exec(db)
        .await?;
    if retaken.rows_affected == 1 {
        return Ok(Claim::Won(attempt));
    }

    let outcome: Option<JobOutcome> = job_runs::Entity::find()
        .select_only()
        .column(Column::Outcome)
        .filter(Column::Job.eq(job))
        .filter(Column::Period.eq(period))
        .into_tuple()
        .one(db)
        .await?;
    Ok(Claim::Lost(match outcome {
        Some(JobOutcome::Succeeded) => SkipReason::AlreadySucceeded,
        // Running, or failed and retaken by another instance a moment ago.
        _ => SkipReason::RunningElsewhere,
    }))
}

/// The columns of a freshly started attempt.
fn running(now: DateTime<Utc>) -> job_runs::ActiveModel {
    job_runs::ActiveModel {
        started_at: Set(now),
        finished_at: Set(None),
        outcome: Set(JobOutcome::Running),
        rows_touched: Set(0),
        error: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Records how `attempt` ended. Returns `false` when the attempt no longer holds its period
/// (it ran past [`STALE_RUN_AFTER`] and another instance took over): its result is dropped.
pub(super) async fn finish(
    db: &DatabaseConnection,
    attempt: Uuid,
    result: &Result<u64, String>,
    finished_at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let (outcome, rows_touched, error) = match result {
        Ok(rows) => (
            JobOutcome::Succeeded,
            i64::try_from(*rows).unwrap_or(i64::MAX),
            None,
        ),
        Err(error) => (JobOutcome::Failed, 0, Some(error.clone())),
    };
    let recorded = job_runs::Entity::update_many()
        .set(job_runs::ActiveModel {
            finished_at: Set(Some(finished_at)),
            outcome: Set(outcome),
            rows_touched: Set(rows_touched),
            error: Set(error),
            updated_at: Set(finished_at),
            ..Default::default()
        })
        .filter(Column::Id.eq(attempt))
        .filter(Column::Outcome.eq(JobOutcome::Running))
        .exec(db)
        .await?;
    Ok(recorded.rows_affected == 1)
}

/// The latest `limit` periods of `job`, newest first.
pub async fn latest_runs(
    db: &DatabaseConnection,
    job: &str,
    limit: u64,
) -> Result<Vec<job_runs::Model>, DbErr> {
    job_runs::Entity::find()
        .filter(Column::Job.eq(job))
        .order_by_desc(Column::Period)
        .limit(limit)
        .all(db)
        .await
}
