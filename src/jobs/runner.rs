//! The registered jobs, and running each one's due period at most once.
//!
//! Only the period `now` falls in is ever run: a period that passed without a run (every
//! instance was down) is not caught up later, because its work would be dated wrongly.
//!
//! A `running` row is normally finished by the instance that claimed it. One left behind by a
//! process that died mid-run is taken over by the first tick after [`STALE_RUN_AFTER`]; jobs
//! are written to skip what an earlier attempt already did, so a retry completes the period.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use super::runs::{self, Claim};
use super::{ARCHIVE_DIR, ApplyRetention, Job, MonthlySnapshots, Period, RefreshBenchmarks};
use crate::privacy::requests::Worker;
use crate::privacy::retention::Retention;

/// How long a `running` row may stand before its attempt is presumed dead and the period is
/// run again: far longer than any job's run takes, short enough to retry within a day.
pub const STALE_RUN_AFTER: TimeDelta = TimeDelta::hours(2);

/// The jobs of one process, and the database their runs are recorded in.
pub struct JobRunner {
    db: DatabaseConnection,
    jobs: Vec<Arc<dyn Job>>,
    /// Runs the data-subject requests waiting at each tick.
    data_requests: Option<Worker>,
}

impl JobRunner {
    /// A runner with no jobs.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            jobs: Vec::new(),
            data_requests: None,
        }
    }

    /// The jobs orgraph runs, and the data-subject requests `worker` runs.
    pub fn standard(db: DatabaseConnection, worker: Worker) -> Self {
        let retention = Retention::new(worker.keys.clone(), ARCHIVE_DIR);
        let mut runner = Self::new(db)
            .with_job(MonthlySnapshots::default())
            .with_job(RefreshBenchmarks)
            .with_job(ApplyRetention(retention));
        runner.data_requests = Some(worker);
        runner
    }

    /// Registers `job`.
    pub fn with_job(mut self, job: impl Job) -> Self {
        self.jobs.push(Arc::new(job));
        self
    }

    /// Keeps only the job called `name`.
    pub fn only(mut self, name: &str) -> anyhow::Result<Self> {
        let known = self.names().join(", ");
        self.jobs.retain(|job| job.name() == name);
        anyhow::ensure!(
            !self.jobs.is_empty(),
            "no job is called `{name}` (known: {known})"
        );
        Ok(self)
    }

    /// The registered jobs, in registration order.
    pub fn jobs(&self) -> impl Iterator<Item = &dyn Job> {
        self.jobs.iter().map(|job| job.as_ref())
    }

    fn names(&self) -> Vec<&'static str> {
        self.jobs().map(Job::name).collect()
    }

    /// Runs, one after another, each job's period that `now` falls in, unless it already
    /// succeeded or is running elsewhere. A job's failure is recorded and reported, not
    /// returned: only the database failing to record runs is an error.
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<Vec<JobReport>, DbErr> {
        let mut reports = Vec::with_capacity(self.jobs.len());
        for job in &self.jobs {
            let report = self.run_period(job, now).await?;
            report.log();
            reports.push(report);
        }
        Ok(reports)
    }

    /// Runs the data-subject requests waiting, oldest first; returns how many ran.
    pub async fn run_data_requests(&self, now: DateTime<Utc>) -> Result<u64, DbErr> {
        match &self.data_requests {
            Some(worker) => worker.run_pending(&self.db, now).await,
            None => Ok(0),
        }
    }

    async fn run_period(&self, job: &Arc<dyn Job>, now: DateTime<Utc>) -> Result<JobReport, DbErr> {
        let period = job.cadence().period_at(now);
        let report = |result| JobReport {
            job: job.name(),
            period: period.label.clone(),
            result,
        };
        let attempt = match runs::claim(&self.db, job.name(), &period.label, now).await? {
            Claim::Won(attempt) => attempt,
            Claim::Lost(reason) => return Ok(report(RunResult::Skipped(reason))),
        };
        let started = Instant::now();
        let result = run_isolated(Arc::clone(job), self.db.clone(), period.clone(), now).await;
        let finished_at = now + TimeDelta::from_std(started.elapsed()).unwrap_or_default();
        if !runs::finish(&self.db, attempt, &result, finished_at).await? {
            tracing::warn!(
                job = job.name(),
                period = %period.label,
                "job period outlived its claim: another instance took it over, this result is dropped"
            );
        }
        Ok(report(match result {
            Ok(rows_touched) => RunResult::Succeeded { rows_touched },
            Err(error) => RunResult::Failed { error },
        }))
    }
}

/// Runs the job in a task of its own, so that a panic is recorded as a failure of the period
/// instead of taking the scheduler down and leaving the row `running`.
async fn run_isolated(
    job: Arc<dyn Job>,
    db: DatabaseConnection,
    period: Period,
    now: DateTime<Utc>,
) -> Result<u64, String> {
    let task = tokio::spawn(async move { job.run(&db, &period, now).await });
    match task.await {
        Ok(Ok(rows)) => Ok(rows),
        Ok(Err(error)) => Err(format!("{error:#}")),
        Err(join) if join.is_panic() => {
            let panic = join.into_panic();
            let message = panic
                .downcast_ref::<&str>()
                .map(|message| (*message).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!("the job panicked: {message}"))
        }
        Err(_) => Err("the job was cancelled".to_owned()),
    }
}

/// What happened to one job's due period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReport {
    /// The job's name.
    pub job: &'static str,
    /// The period's label.
    pub period: String,
    /// How it went.
    pub result: RunResult,
}

/// How one job period went on this tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunResult {
    /// It ran and succeeded.
    Succeeded {
        /// Rows the job wrote or changed.
        rows_touched: u64,
    },
    /// It ran and failed; a later tick in the same period tries again.
    Failed {
        /// The job's error, with its causes.
        error: String,
    },
    /// It did not run here.
    Skipped(SkipReason),
}

/// Why a due period was not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The period already succeeded.
    AlreadySucceeded,
    /// Another attempt (another instance, or an earlier tick) is running it.
    RunningElsewhere,
}

impl JobReport {
    fn log(&self) {
        let (job, period) = (self.job, self.period.as_str());
        match &self.result {
            RunResult::Succeeded { rows_touched } => {
                tracing::info!(job, period, rows_touched, "job period succeeded");
            }
            RunResult::Failed { error } => {
                tracing::warn!(job, period, error = error.as_str(), "job period failed");
            }
            RunResult::Skipped(reason) => {
                tracing::debug!(job, period, ?reason, "job period skipped");
            }
        }
    }
}

impl fmt::Display for JobReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {}: ", self.job, self.period)?;
        match &self.result {
            RunResult::Succeeded { rows_touched } => {
                write!(formatter, "succeeded, {rows_touched} rows touched")
            }
            RunResult::Failed { error } => write!(formatter, "failed: {error}"),
            RunResult::Skipped(SkipReason::AlreadySucceeded) => {
                formatter.write_str("skipped, already succeeded")
            }
            RunResult::Skipped(SkipReason::RunningElsewhere) => {
                formatter.write_str("skipped, running elsewhere")
            }
        }
    }
}
