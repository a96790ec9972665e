//! Background jobs: work done once per period (a month, a day) rather than per request.
//!
//! A [`Job`] names itself, says how often it is due ([`Cadence`]) and does one period's work.
//! A [`JobRunner`] holds the registered jobs; [`JobRunner::run_due`] runs the period each job is
//! in, at most once per period across every instance sharing the database (`job_runs`,
//! [`runner`]). `orgraph serve` ticks it in the background ([`Schedule`]); `orgraph jobs run`
//! and `orgraph jobs list` reach it from the command line.
//!
//! To add a job: implement [`Job`] in a module of its own and register it in
//! [`JobRunner::standard`].

mod benchmarks;
mod monthly_snapshots;
mod retention;
mod runner;
mod runs;
mod scheduler;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, Utc};
use sea_orm::DatabaseConnection;

pub use benchmarks::RefreshBenchmarks;
pub use monthly_snapshots::MonthlySnapshots;
pub use retention::{ARCHIVE_DIR, ApplyRetention};
pub use runner::{JobReport, JobRunner, RunResult, STALE_RUN_AFTER, SkipReason};
pub use runs::latest_runs;
pub use scheduler::Schedule;

/// What a job's run returns: the number of rows it wrote or changed.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<u64>> + Send + 'a>>;

/// A piece of background work done once per period.
pub trait Job: Send + Sync + 'static {
    /// The job's name in `job_runs` and on the command line, e.g. `monthly-snapshots`.
    fn name(&self) -> &'static str;

    /// How often the job is due.
    fn cadence(&self) -> Cadence;

    /// Does the work of `period`, as of `now` (an instant inside it). A run may be retried
    /// after a failure or a crash, so it must not repeat what an earlier attempt already did.
    fn run<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        period: &'a Period,
        now: DateTime<Utc>,
    ) -> JobFuture<'a>;
}

/// How often a job is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Once per calendar month (UTC).
    Monthly,
    /// Once per calendar day (UTC).
    Daily,
}

impl Cadence {
    /// The period that `at` falls in.
    pub fn period_at(self, at: DateTime<Utc>) -> Period {
        let day = at.date_naive();
        let (first, next) = match self {
            Self::Monthly => {
                let first = day.with_day(1).expect("every month has a first day");
                (first, first + Months::new(1))
            }
            Self::Daily => (day, day.succ_opt().expect("a day before the end of time")),
        };
        let label = match self {
            Self::Monthly => first.format("%Y-%m"),
            Self::Daily => first.format("%Y-%m-%d"),
        };
        Period {
            label: label.to_string(),
            starts_at: midnight(first),
            ends_at: midnight(next),
        }
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Monthly => "monthly",
            Self::Daily => "daily",
        })
    }
}

/// One period of a job: its label in `job_runs` and the instants it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// `2026-12` for a month, `2026-12-02` for a day.
    pub label: String,
    /// The first instant of the period.
    pub starts_at: DateTime<Utc>,
    /// The first instant after the period.
    pub ends_at: DateTime<Utc>,
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, hour, 30, 0).unwrap()
    }

    #[test]
    fn a_monthly_period_is_the_calendar_month() {
        let period = Cadence::Monthly.period_at(at(2026, 12, 2, 20));
        assert_eq!(period.label, "2026-12");
        assert_eq!(
            period.starts_at,
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            period.ends_at,
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_daily_period_is_the_calendar_day() {
        let period = Cadence::Daily.period_at(at(2026, 12, 2, 20));
        assert_eq!(period.label, "2026-12-02");
        assert_eq!(
            period.starts_at,
            Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap()
        );
        assert_eq!(
            period.ends_at,
            Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn periods_roll_over_at_the_end_of_a_leap_february() {
        assert_eq!(
            Cadence::Daily.period_at(at(2028, 2, 29, 23)).label,
            "2028-02-29"
        );
        assert_eq!(
            Cadence::Daily.period_at(at(2028, 2, 29, 23)).ends_at,
            Utc.with_ymd_and_hms(2028, 3, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            Cadence::Monthly.period_at(at(2028, 2, 29, 23)).ends_at,
            Utc.with_ymd_and_hms(2028, 3, 1, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn every_instant_of_a_period_maps_to_it_and_the_next_instant_does_not() {
        for cadence in [Cadence::Monthly, Cadence::Daily] {
            let period = cadence.period_at(at(2026, 12, 31, 23));
            assert_eq!(cadence.period_at(period.starts_at), period);
            let last = period.ends_at - chrono::Duration::nanoseconds(1);
            assert_eq!(cadence.period_at(last), period);
            assert_ne!(cadence.period_at(period.ends_at), period);
        }
    }

    #[test]
    fn periods_are_read_in_utc() {
        let offset = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
        // 1 January 00:30 in UTC+2 is still 31 December in UTC.
        let new_year_local = offset.with_ymd_and_hms(2027, 1, 1, 0, 30, 0).unwrap();
        let period = Cadence::Monthly.period_at(new_year_local.with_timezone(&Utc));
        assert_eq!(period.label, "2026-12");
    }
}
