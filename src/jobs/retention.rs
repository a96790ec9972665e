//! `retention`: once a day, the retention policies applied (`privacy::retention`).

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::{Cadence, Job, JobFuture, Period};
use crate::privacy::retention::Retention;

/// Where archived rows are written, beside the embedded database.
pub const ARCHIVE_DIR: &str = "data/archive";

/// Applies the retention policies daily.
#[derive(Clone)]
pub struct ApplyRetention(pub Retention);

impl Job for ApplyRetention {
    fn name(&self) -> &'static str {
        "retention"
    }

    fn cadence(&self) -> Cadence {
        Cadence::Daily
    }

    /// Each policy skips what an earlier attempt already did (emptied addresses are not
    /// emptied again, deleted rows are gone), so a retry completes the day.
    fn run<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        _period: &'a Period,
        now: DateTime<Utc>,
    ) -> JobFuture<'a> {
        Box::pin(async move {
            let lines = self.0.run(db, now, false).await?;
            Ok(lines.iter().map(|line| line.rows).sum())
        })
    }
}
