//! `benchmarks`: once a day, the industry benchmarks refreshed from the twins as they stand, so
//! a withdrawn `data_sharing` consent or a changed twin shows by the next day.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::{Cadence, Job, JobFuture, Period};
use crate::service::benchmarks;

/// Refreshes the industry benchmarks daily.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefreshBenchmarks;

impl Job for RefreshBenchmarks {
    fn name(&self) -> &'static str {
        "benchmarks"
    }

    fn cadence(&self) -> Cadence {
        Cadence::Daily
    }

    /// A refresh replaces both tables in one transaction, so a retry simply does it again.
    fn run<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        _period: &'a Period,
        now: DateTime<Utc>,
    ) -> JobFuture<'a> {
        Box::pin(async move {
            let refreshed = benchmarks::refresh(db, now).await?;
            Ok(u64::try_from(refreshed.cohorts + refreshed.organizations).unwrap_or(u64::MAX))
        })
    }
}
