//! Demo data for a new database, and sized synthetic data for benchmarks.
//!
//! Both build [`Dataset`]s in memory and insert them in one transaction with multi-row
//! `INSERT`s, so seeding is fast on both backends and leaves nothing half-written. Synthetic data
//! goes in a batch of whole organisations at a time, so memory stays flat however large the run.
//! Seeding is a bulk load: it writes no audit rows (those record what people do through the
//! API). The twins are not made up: once an organisation's rows are in, the engine replays its
//! history, recomputing the twin at the start of each of the last twelve months and today, each
//! change written with its `change` snapshot and outbox event as a submission would.

mod demo;
mod factory;
mod synthetic;

use factory::Factory;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::prelude::*;
use entity::{
    assessment_scores, assessments, organization_members, organizations, user_consents, users,
};
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, TransactionTrait,
};

use uuid::Uuid;

use crate::domain::scoring::MaturityScale;
use crate::service::{benchmarks, twins};

pub use demo::{DEMO_ORGANIZATION_SLUGS, demo};
pub use synthetic::{SyntheticSize, synthetic};

/// Rows per multi-row `INSERT`: well under SQLite's 32 766 and PostgreSQL's 65 535 bind
/// parameters for the widest table.
const ROWS_PER_INSERT: usize = 1_000;

/// Rows generated before a batch is written: a few full `INSERT`s per table, and a small heap
/// (one large in-memory data set fragments the allocator and slows every insert down).
const ROWS_PER_BATCH: usize = 10 * ROWS_PER_INSERT;

/// The seeded tables, in insert order.
const TABLES: [&str; 8] = [
    "organizations",
    "users",
    "organization_members",
    "assessments",
    "assessment_scores",
    "organization_digital_twins",
    "digital_twin_snapshots",
    "user_consents",
];

/// Months of twin history the engine replays per organisation.
pub const HISTORY_MONTHS: i64 = 12;

/// Where the twins and their snapshots are counted in [`TABLES`].
const TWINS: usize = 5;
const SNAPSHOTS: usize = 6;

/// What a seed run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedSummary {
    /// Rows inserted, all tables together.
    pub rows: u64,
    /// Rows inserted per table.
    pub tables: Vec<(&'static str, u64)>,
    /// Wall-clock time of generating the rows (answering and scoring included) and inserting them.
    pub elapsed: Duration,
}

impl SeedSummary {
    /// Rows per second.
    pub fn throughput(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Whether the database holds no organisation yet.
pub async fn database_is_empty(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(Organization::find().count(db).await? == 0)
}

/// Rows to insert, parents before children.
#[derive(Default)]
struct Dataset {
    organizations: Vec<organizations::Model>,
    users: Vec<users::Model>,
    members: Vec<organization_members::Model>,
    assessments: Vec<assessments::Model>,
    scores: Vec<assessment_scores::Model>,
    consents: Vec<user_consents::Model>,
}

impl Dataset {
    fn rows(&self) -> usize {
        self.organizations.len()
            + self.users.len()
            + self.members.len()
            + self.assessments.len()
            + self.scores.len()
            + self.consents.len()
    }

    /// Inserts everything in one transaction; a failure leaves the database as it was. The
    /// summary's time runs from `started`, when generating the rows began.
    async fn insert(
        self,
        db: &DatabaseConnection,
        factory: &Factory,
        started: Instant,
        show_progress: bool,
    ) -> anyhow::Result<SeedSummary> {
        let organizations = self.organization_ids();
        let total = self.rows() + organizations.len();
        let mut load = Load::begin(db, started, total as u64, show_progress).await?;
        load.write(self).await?;
        load.replay_twins(factory.scale(), &organizations, factory.now())
            .await?;
        let summary = load.commit().await?;
        benchmarks::refresh(db, factory.now()).await?;
        Ok(summary)
    }

    fn organization_ids(&self) -> Vec<Uuid> {
        self.organizations
            .iter()
            .map(|organization| organization.id)
            .collect()
    }
}

/// One seed run's transaction, written to a [`Dataset`] at a time.
struct Load {
    txn: DatabaseTransaction,
    progress: ProgressBar,
    started: Instant,
    /// Rows written per table, in [`TABLES`] order.
    written: [u64; TABLES.len()],
}

impl Load {
    /// Opens the transaction; `total_rows` sizes the progress bar, `started` starts the clock.
    async fn begin(
        db: &DatabaseConnection,
        started: Instant,
        total_rows: u64,
        show_progress: bool,
    ) -> Result<Self, DbErr> {
        Ok(Self {
            txn: db.begin().await?,
            progress: progress_bar(total_rows, show_progress),
            started,
            written: [0; TABLES.len()],
        })
    }

    /// Inserts a batch, parents before children; its rows must not refer to later batches.
    async fn write(&mut self, data: Dataset) -> Result<(), DbErr> {
        let (txn, progress) = (&self.txn, &self.progress);
        let written = [
            insert_chunked::<Organization, _>(txn, data.organizations, progress).await?,
            insert_chunked::<User, _>(txn, data.users, progress).await?,
            insert_chunked::<OrganizationMember, _>(txn, data.members, progress).await?,
            insert_chunked::<Assessment, _>(txn, data.assessments, progress).await?,
            insert_chunked::<AssessmentScore, _>(txn, data.scores, progress).await?,
            // Twins and their snapshots come from the engine: `replay_twins`.
            0,
            0,
            insert_chunked::<UserConsent, _>(txn, data.consents, progress).await?,
        ];
        for (total, rows) in self.written.iter_mut().zip(written) {
            *total += rows;
        }
        Ok(())
    }

    /// Lets the engine compute the twins of `organizations` as their history unfolded: at the
    /// start of each of the last [`HISTORY_MONTHS`] months, then at `now`.
    async fn replay_twins(
        &mut self,
        scale: &MaturityScale,
        organizations: &[Uuid],
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let moments: Vec<DateTime<Utc>> = (1..=HISTORY_MONTHS)
            .rev()
            .map(|months_ago| now - chrono::Duration::days(30 * months_ago))
            .chain([now])
            .collect();
        for organization in organizations {
            let mut had_twin = false;
            for at in &moments {
                let recomputed =
                    twins::recompute(&self.txn, scale, *organization, None, *at).await?;
                if recomputed.changed {
                    self.written[SNAPSHOTS] += 1;
                    if !had_twin {
                        self.written[TWINS] += 1;
                        had_twin = true;
                    }
                }
            }
            self.progress.inc(1);
        }
        Ok(())
    }

    /// Commits everything written; dropping the load instead rolls it all back.
    async fn commit(self) -> Result<SeedSummary, DbErr> {
        self.txn.commit().await?;
        self.progress.finish_and_clear();
        Ok(SeedSummary {
            rows: self.written.iter().sum(),
            tables: TABLES.into_iter().zip(self.written).collect(),
            elapsed: self.started.elapsed(),
        })
    }
}

async fn insert_chunked<E, M>(
    txn: &DatabaseTransaction,
    rows: Vec<M>,
    progress: &ProgressBar,
) -> Result<u64, DbErr>
where
    E: EntityTrait,
    M: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let total = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows
            .by_ref()
            .take(ROWS_PER_INSERT)
            .map(IntoActiveModel::into_active_model)
            .collect();
        let inserted = chunk.len() as u64;
        E::insert_many(chunk).exec_without_returning(txn).await?;
        progress.inc(inserted);
    }
    Ok(total)
}

fn progress_bar(total: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} seeding [{bar:40}] {pos}/{len} rows ({per_sec}, {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
