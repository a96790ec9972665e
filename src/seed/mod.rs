//! Demo data for a new database, and sized synthetic data for benchmarks.
//!
//! Both build a [`Dataset`] in memory and insert it in one transaction with multi-row
//! `INSERT`s, so seeding is fast on both backends and leaves nothing half-written. Seeding is a
//! bulk load: it writes no audit rows or events (those record what people do through the API).

mod demo;
mod factory;
mod synthetic;

use std::time::{Duration, Instant};

use entity::prelude::*;
use entity::{
    assessment_scores, assessments, digital_twin_snapshots, organization_digital_twins,
    organization_members, organizations, user_consents, users,
};
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, TransactionTrait,
};

pub use demo::{DEMO_ORGANIZATION_SLUGS, demo};
pub use synthetic::{SyntheticSize, synthetic};

/// Rows per multi-row `INSERT`: well under SQLite's 32 766 and PostgreSQL's 65 535 bind
/// parameters for the widest table.
const ROWS_PER_INSERT: usize = 1_000;

/// What a seed run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedSummary {
    /// Rows inserted, all tables together.
    pub rows: u64,
    /// Rows inserted per table.
    pub tables: Vec<(&'static str, u64)>,
    /// Wall-clock time of the insert.
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
    twins: Vec<organization_digital_twins::Model>,
    snapshots: Vec<digital_twin_snapshots::Model>,
    consents: Vec<user_consents::Model>,
}

impl Dataset {
    fn rows(&self) -> usize {
        self.organizations.len()
            + self.users.len()
            + self.members.len()
            + self.assessments.len()
            + self.scores.len()
            + self.twins.len()
            + self.snapshots.len()
            + self.consents.len()
    }

    /// Inserts everything in one transaction; a failure leaves the database as it was.
    async fn insert(
        self,
        db: &DatabaseConnection,
        show_progress: bool,
    ) -> Result<SeedSummary, DbErr> {
        let progress = progress_bar(self.rows() as u64, show_progress);
        let started = Instant::now();
        let txn = db.begin().await?;
        let tables = vec![
            (
                "organizations",
                insert_chunked::<Organization, _>(&txn, self.organizations, &progress).await?,
            ),
            (
                "users",
                insert_chunked::<User, _>(&txn, self.users, &progress).await?,
            ),
            (
                "organization_members",
                insert_chunked::<OrganizationMember, _>(&txn, self.members, &progress).await?,
            ),
            (
                "assessments",
                insert_chunked::<Assessment, _>(&txn, self.assessments, &progress).await?,
            ),
            (
                "assessment_scores",
                insert_chunked::<AssessmentScore, _>(&txn, self.scores, &progress).await?,
            ),
            (
                "organization_digital_twins",
                insert_chunked::<OrganizationDigitalTwin, _>(&txn, self.twins, &progress).await?,
            ),
            (
                "digital_twin_snapshots",
                insert_chunked::<DigitalTwinSnapshot, _>(&txn, self.snapshots, &progress).await?,
            ),
            (
                "user_consents",
                insert_chunked::<UserConsent, _>(&txn, self.consents, &progress).await?,
            ),
        ];
        txn.commit().await?;
        progress.finish_and_clear();
        Ok(SeedSummary {
            rows: tables.iter().map(|(_, rows)| rows).sum(),
            tables,
            elapsed: started.elapsed(),
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
