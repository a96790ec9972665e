//! The job runner: each job period runs once across runners sharing a database, a failure is
//! recorded and retried, and the monthly snapshots copy each twin into its own organisation.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use entity::enums::{CompanySize, JobOutcome, OrganizationStatus, SnapshotReason};
use entity::prelude::*;
use entity::{digital_twin_snapshots, job_runs, organization_digital_twins, organizations};
use orgraph::jobs::{
    Cadence, Job, JobFuture, JobRunner, MonthlySnapshots, Period, RunResult, STALE_RUN_AFTER,
    SkipReason,
};
use orgraph::service::twins::snapshot_state;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

fn december(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
}

/// An active organisation.
async fn organization(db: &DatabaseConnection, slug: &str) -> organizations::Model {
    let at = december(1, 0) - TimeDelta::days(100);
    organizations::Model {
        id: Uuid::now_v7(),
        name: slug.to_owned(),
        slug: slug.to_owned(),
        industry: Some("logistics".to_owned()),
        company_size: Some(CompanySize::Medium),
        settings: json!({}),
        status: OrganizationStatus::Active,
        created_at: at,
        updated_at: at,
        deleted_at: None,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("an organisation")
}

/// A twin of `organization` whose values all derive from `seed`, so that two twins differ in
/// every field.
async fn twin_of(
    db: &DatabaseConnection,
    organization: &organizations::Model,
    seed: i64,
) -> organization_digital_twins::Model {
    let at = december(1, 0) - TimeDelta::days(seed);
    let twin = organization_digital_twins::Model {
        id: Uuid::now_v7(),
        organization_id: organization.id,
        maturity_level: i16::try_from(seed % 10).unwrap(),
        maturity_score: Decimal::new(100 + seed, 2),
        ai_readiness_score: Decimal::new(2000 + seed, 2),
        technology_inventory: json!({ "crm": { "adoption": seed } }),
        skills_inventory: json!({ "data_analysis": { "adoption": seed } }),
        readiness_indicators: json!([{ "key": "technology", "score": seed }]),
        dimension_scores: json!([{ "key": "strategy", "score": seed }]),
        explanation: json!({ "model_version": "1.0", "superseded": seed }),
        assessment_count: i32::try_from(seed).unwrap(),
        computed_at: at,
        created_at: at,
        updated_at: at,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("a twin");
    // As stored: what a snapshot is compared with.
    OrganizationDigitalTwin::find_by_id(twin.id)
        .one(db)
        .await
        .unwrap()
        .expect("the twin just written")
}

async fn monthly_snapshots(db: &DatabaseConnection) -> Vec<digital_twin_snapshots::Model> {
    DigitalTwinSnapshot::find()
        .filter(digital_twin_snapshots::Column::Reason.eq(SnapshotReason::Monthly))
        .order_by_asc(digital_twin_snapshots::Column::CapturedAt)
        .all(db)
        .await
        .unwrap()
}

async fn run_of(db: &DatabaseConnection, job: &str) -> job_runs::Model {
    JobRun::find()
        .filter(job_runs::Column::Job.eq(job))
        .one(db)
        .await
        .unwrap()
        .expect("the job's period has a row")
}

/// A daily job that counts its runs, fails the first `failures` of them, and touches 7 rows
/// when it succeeds.
struct Scripted {
    runs: Arc<AtomicU32>,
    failures: u32,
}

impl Scripted {
    fn failing_first(failures: u32) -> Self {
        Self {
            runs: Arc::default(),
            failures,
        }
    }
}

impl Job for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }

    fn cadence(&self) -> Cadence {
        Cadence::Daily
    }

    fn run<'a>(
        &'a self,
        _: &'a DatabaseConnection,
        _: &'a Period,
        _: DateTime<Utc>,
    ) -> JobFuture<'a> {
        Box::pin(async move {
            let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
            // Gives a racing runner every chance to interleave.
            tokio::task::yield_now().await;
            anyhow::ensure!(run > self.failures, "scripted failure {run}");
            Ok(7)
        })
    }
}

#[tokio::test]
async fn monthly_snapshots_run_twice_in_a_month_write_one_snapshot_per_twin() {
    let test = migrated_database().await;
    let db = &test.db;
    for (seed, slug) in [(1, "north"), (2, "south"), (3, "east")] {
        let org = organization(db, slug).await;
        twin_of(db, &org, seed).await;
    }
    let runner = JobRunner::new(db.clone()).with_job(MonthlySnapshots::default());

    let first = runner.run_due(december(2, 21)).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].job, "monthly-snapshots");
    assert_eq!(first[0].period, "2026-12");
    assert_eq!(first[0].result, RunResult::Succeeded { rows_touched: 3 });

    let second = runner.run_due(december(28, 9)).await.unwrap();
    assert_eq!(
        second[0].result,
        RunResult::Skipped(SkipReason::AlreadySucceeded)
    );

    let snapshots = monthly_snapshots(db).await;
    assert_eq!(snapshots.len(), 3);
    assert!(snapshots.iter().all(|s| s.captured_at == december(2, 21)));
    let run = run_of(db, "monthly-snapshots").await;
    assert_eq!(run.period, "2026-12");
    assert_eq!(run.outcome, JobOutcome::Succeeded);
    assert_eq!(run.rows_touched, 3);
    assert_eq!(run.started_at, december(2, 21));
    assert!(run.finished_at.is_some_and(|at| at >= run.started_at));
    assert_eq!(run.error, None);
}

#[tokio::test]
async fn a_new_month_writes_a_new_snapshot() {
    let test = migrated_database().await;
    let db = &test.db;
    let org = organization(db, "north").await;
    twin_of(db, &org, 4).await;
    let runner = JobRunner::new(db.clone()).with_job(MonthlySnapshots::default());

    let january = Utc.with_ymd_and_hms(2027, 1, 1, 0, 5, 0).unwrap();
    for now in [december(31, 23), january] {
        let reports = runner.run_due(now).await.unwrap();
        assert_eq!(reports[0].result, RunResult::Succeeded { rows_touched: 1 });
    }
    let captured: Vec<_> = monthly_snapshots(db)
        .await
        .into_iter()
        .map(|snapshot| snapshot.captured_at)
        .collect();
    assert_eq!(captured, [december(31, 23), january]);
    assert_eq!(JobRun::find().count(db).await.unwrap(), 2);
}

#[tokio::test]
async fn two_runners_racing_on_one_database_run_each_period_once() {
    let test = migrated_database().await;
    let orgs = 4;
    for seed in 0..orgs {
        let org = organization(&test.db, &format!("org-{seed}")).await;
        twin_of(&test.db, &org, seed + 1).await;
    }
    let runs = Arc::new(AtomicU32::new(0));
    // Two processes: each runner has a pool of its own.
    let runner = || async {
        let pool = orgraph::db::connect(&test_settings(&test.url))
            .await
            .unwrap();
        JobRunner::new(pool)
            .with_job(MonthlySnapshots::default())
            .with_job(Scripted {
                runs: Arc::clone(&runs),
                failures: 0,
            })
    };
    let (left, right) = (runner().await, runner().await);

    let months = 5;
    for month in 1..=months {
        let now = Utc.with_ymd_and_hms(2027, month, 10, 12, 0, 0).unwrap();
        let (left, right) = tokio::join!(left.run_due(now), right.run_due(now));
        let reports: Vec<_> = left.unwrap().into_iter().chain(right.unwrap()).collect();
        for job in ["monthly-snapshots", "scripted"] {
            let ran = reports
                .iter()
                .filter(|report| report.job == job)
                .filter(|report| !matches!(report.result, RunResult::Skipped(_)))
                .count();
            assert_eq!(ran, 1, "{job} ran once in month {month}: {reports:?}");
        }
    }
    assert_eq!(runs.load(Ordering::SeqCst), months);
    assert_eq!(
        monthly_snapshots(&test.db).await.len(),
        usize::try_from(orgs).unwrap() * usize::try_from(months).unwrap()
    );
    assert_eq!(
        JobRun::find()
            .filter(job_runs::Column::Outcome.eq(JobOutcome::Succeeded))
            .count(&test.db)
            .await
            .unwrap(),
        2 * u64::from(months)
    );
}

#[tokio::test]
async fn a_failing_job_records_its_error_and_is_retried_at_the_next_tick() {
    let test = migrated_database().await;
    let db = &test.db;
    let job = Scripted::failing_first(1);
    let runs = Arc::clone(&job.runs);
    let runner = JobRunner::new(db.clone()).with_job(job);

    let failed = runner.run_due(december(2, 10)).await.unwrap();
    assert_eq!(
        failed[0].result,
        RunResult::Failed {
            error: "scripted failure 1".to_owned()
        }
    );
    let run = run_of(db, "scripted").await;
    assert_eq!(run.period, "2026-12-02");
    assert_eq!(run.outcome, JobOutcome::Failed);
    assert_eq!(run.error.as_deref(), Some("scripted failure 1"));
    assert!(run.finished_at.is_some());

    let retried = runner.run_due(december(2, 11)).await.unwrap();
    assert_eq!(retried[0].result, RunResult::Succeeded { rows_touched: 7 });
    let run = run_of(db, "scripted").await;
    assert_eq!(run.outcome, JobOutcome::Succeeded);
    assert_eq!(run.rows_touched, 7);
    assert_eq!(run.error, None);
    assert_eq!(run.started_at, december(2, 11));

    let after_success = runner.run_due(december(2, 12)).await.unwrap();
    assert_eq!(
        after_success[0].result,
        RunResult::Skipped(SkipReason::AlreadySucceeded)
    );
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "a success is never run again"
    );
    assert_eq!(JobRun::find().count(db).await.unwrap(), 1);
}

/// A job that panics.
struct Panicking;

impl Job for Panicking {
    fn name(&self) -> &'static str {
        "panicking"
    }

    fn cadence(&self) -> Cadence {
        Cadence::Daily
    }

    fn run<'a>(
        &'a self,
        _: &'a DatabaseConnection,
        _: &'a Period,
        _: DateTime<Utc>,
    ) -> JobFuture<'a> {
        Box::pin(async { panic!("out of cheese") })
    }
}

#[tokio::test]
async fn a_panicking_job_is_recorded_as_failed_and_the_next_job_still_runs() {
    let test = migrated_database().await;
    let runner = JobRunner::new(test.db.clone())
        .with_job(Panicking)
        .with_job(Scripted::failing_first(0));

    let reports = runner.run_due(december(2, 10)).await.unwrap();
    assert_eq!(
        reports[0].result,
        RunResult::Failed {
            error: "the job panicked: out of cheese".to_owned()
        }
    );
    assert_eq!(reports[1].result, RunResult::Succeeded { rows_touched: 7 });
    assert_eq!(
        run_of(&test.db, "panicking").await.outcome,
        JobOutcome::Failed
    );
}

#[tokio::test]
async fn a_running_period_is_left_alone_until_it_goes_stale() {
    let test = migrated_database().await;
    let db = &test.db;
    let org = organization(db, "north").await;
    twin_of(db, &org, 5).await;
    // An instance claimed December and died.
    let claimed = december(2, 10);
    job_runs::Model {
        id: Uuid::now_v7(),
        job: "monthly-snapshots".to_owned(),
        period: "2026-12".to_owned(),
        started_at: claimed,
        finished_at: None,
        outcome: JobOutcome::Running,
        rows_touched: 0,
        error: None,
        created_at: claimed,
        updated_at: claimed,
    }
    .into_active_model()
    .insert(db)
    .await
    .unwrap();
    let runner = JobRunner::new(db.clone()).with_job(MonthlySnapshots::default());

    let soon = claimed + STALE_RUN_AFTER - TimeDelta::minutes(1);
    let reports = runner.run_due(soon).await.unwrap();
    assert_eq!(
        reports[0].result,
        RunResult::Skipped(SkipReason::RunningElsewhere)
    );
    assert!(monthly_snapshots(db).await.is_empty());

    let stale = claimed + STALE_RUN_AFTER + TimeDelta::minutes(1);
    let reports = runner.run_due(stale).await.unwrap();
    assert_eq!(reports[0].result, RunResult::Succeeded { rows_touched: 1 });
    assert_eq!(run_of(db, "monthly-snapshots").await.started_at, stale);
    assert_eq!(monthly_snapshots(db).await.len(), 1);
}

#[tokio::test]
async fn organisations_without_a_twin_or_deleted_get_no_snapshot() {
    let test = migrated_database().await;
    let db = &test.db;
    let with_twin = organization(db, "with-twin").await;
    let twin = twin_of(db, &with_twin, 6).await;
    organization(db, "without-twin").await;
    let deleted = organization(db, "deleted").await;
    twin_of(db, &deleted, 7).await;
    let mut deleting = deleted.into_active_model();
    deleting.deleted_at = sea_orm::ActiveValue::Set(Some(december(1, 12)));
    deleting.update(db).await.unwrap();

    let reports = JobRunner::new(db.clone())
        .with_job(MonthlySnapshots::default())
        .run_due(december(2, 21))
        .await
        .unwrap();
    assert_eq!(reports[0].result, RunResult::Succeeded { rows_touched: 1 });
    let snapshots = monthly_snapshots(db).await;
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0].twin_id, twin.id);
}

#[tokio::test]
async fn each_snapshot_holds_only_its_own_organisations_twin() {
    let test = migrated_database().await;
    let db = &test.db;
    let mut twins = Vec::new();
    for (seed, slug) in [(11, "north"), (22, "south")] {
        let org = organization(db, slug).await;
        twins.push(twin_of(db, &org, seed).await);
    }

    JobRunner::new(db.clone())
        .with_job(MonthlySnapshots::default())
        .run_due(december(2, 21))
        .await
        .unwrap();
    for twin in &twins {
        let snapshots: Vec<_> = monthly_snapshots(db)
            .await
            .into_iter()
            .filter(|snapshot| snapshot.organization_id == twin.organization_id)
            .collect();
        assert_eq!(snapshots.len(), 1);
        let snapshot = &snapshots[0];
        assert_eq!(snapshot.twin_id, twin.id);
        assert_eq!(snapshot.maturity_level, twin.maturity_level);
        assert_eq!(snapshot.maturity_score, twin.maturity_score);
        assert_eq!(snapshot.ai_readiness_score, twin.ai_readiness_score);
        assert_eq!(snapshot.assessment_count, twin.assessment_count);
        assert_eq!(snapshot.state, snapshot_state(twin));
    }
}

#[tokio::test]
async fn monthly_snapshots_page_through_the_twins_and_a_repeated_run_adds_nothing() {
    let test = migrated_database().await;
    let db = &test.db;
    for seed in 1..=5 {
        let org = organization(db, &format!("org-{seed}")).await;
        twin_of(db, &org, seed).await;
    }
    let job = MonthlySnapshots { page_size: 2 };
    let now = december(2, 21);
    let period = job.cadence().period_at(now);

    assert_eq!(job.run(db, &period, now).await.unwrap(), 5);
    // A retry after a failure part-way must not snapshot a twin twice.
    assert_eq!(
        job.run(db, &period, now + TimeDelta::hours(1))
            .await
            .unwrap(),
        0
    );
    let snapshots = monthly_snapshots(db).await;
    assert_eq!(snapshots.len(), 5);
    let mut twins: Vec<_> = snapshots.iter().map(|snapshot| snapshot.twin_id).collect();
    twins.sort();
    twins.dedup();
    assert_eq!(twins.len(), 5);
}
