//! Sized synthetic data for benchmarks: `orgraph seed --orgs N --users-per-org M
//! --assessments-per-user K`.
//!
//! N organisations, N×M users and memberships, N×M×K completed assessments each with its score
//! (each answers its type's current question model and is scored by the scoring engine), and
//! N digital twins with their history, computed by the engine from those assessments.

use std::time::Instant;

use entity::enums::{AssessmentType, CompanySize, MemberRole};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Iterable};

use super::factory::{Factory, ScoreRange};
use super::{Dataset, Load, ROWS_PER_BATCH, SeedSummary};
use crate::service::benchmarks;

/// The overall scores synthetic respondents' answers are drawn to land between.
const SCORES: ScoreRange = ScoreRange {
    low: 0.5,
    high: 4.8,
};

const INDUSTRIES: [&str; 6] = [
    "manufacturing",
    "retail",
    "healthcare",
    "financial_services",
    "logistics",
    "software",
];

const DEPARTMENTS: [&str; 5] = ["executive", "operations", "finance", "marketing", "it"];

/// How much synthetic data to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticSize {
    /// Organisations.
    pub orgs: u32,
    /// Members (and users) per organisation.
    pub users_per_org: u32,
    /// Completed, scored assessments per member.
    pub assessments_per_user: u32,
}

/// Generates and inserts synthetic data, a batch of whole organisations at a time, in one
/// transaction; names and slugs carry a run id, so seeding again adds a new set beside the old one.
pub async fn synthetic(
    db: &DatabaseConnection,
    size: SyntheticSize,
    show_progress: bool,
) -> anyhow::Result<SeedSummary> {
    let run = uuid::Uuid::now_v7().simple().to_string();
    let run = &run[run.len() - 8..];
    let started = Instant::now();
    let mut factory = Factory::load(
        db,
        u64::from(size.orgs) * 7919 + u64::from(size.users_per_org),
    )
    .await?;
    let mut load = Load::begin(db, started, size.rows(), show_progress).await?;
    let types: Vec<AssessmentType> = AssessmentType::iter().collect();
    let sizes: Vec<CompanySize> = CompanySize::iter().collect();
    let mut data = Dataset::default();
    for org in 0..size.orgs {
        let industry = INDUSTRIES[factory.pick(INDUSTRIES.len())];
        let company_size = sizes[factory.pick(sizes.len())];
        let organization = factory.organization(
            &format!("Synthetic {run} {org}"),
            &format!("synthetic-{run}-{org}"),
            industry,
            company_size,
        );
        for person in 0..size.users_per_org {
            let user = factory.user(
                &format!("user{person}.org{org}.{run}@synthetic.example"),
                "Synthetic",
                &format!("Person {person}"),
                "Team Member",
            );
            let role = match person {
                0 => MemberRole::Owner,
                1 => MemberRole::Admin,
                n => {
                    [MemberRole::Analyst, MemberRole::Member, MemberRole::Viewer][(n % 3) as usize]
                }
            };
            let department = DEPARTMENTS[person as usize % DEPARTMENTS.len()];
            data.members
                .push(factory.membership(&organization, &user, role, department));
            for round in 0..size.assessments_per_user {
                let kind = types[factory.pick(types.len())];
                // Spread over the year the twins' history replays.
                let spacing = 360 / i64::from(size.assessments_per_user);
                let days_ago = 1 + i64::from(round) * spacing + i64::from(person % 29);
                let (assessment, score) =
                    factory.completed_assessment(&organization, &user, kind, days_ago, SCORES)?;
                data.assessments.push(assessment);
                data.scores.push(score);
            }
            data.users.push(user);
        }
        data.organizations.push(organization);
        if data.rows() >= ROWS_PER_BATCH {
            write_and_replay(&mut load, &factory, std::mem::take(&mut data)).await?;
        }
    }
    write_and_replay(&mut load, &factory, data).await?;
    let summary = load.commit().await?;
    benchmarks::refresh(db, factory.now()).await?;
    // A bulk load leaves the planner's statistics describing the tables as they were; without
    // fresh ones, PostgreSQL plans scoped reads as scans until autovacuum catches up. Not on
    // SQLite: with statistics (its build keeps STAT4) it prepares a statement again each time
    // a bound key changes.
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(summary)
}

/// Writes a batch of whole organisations and lets the engine compute their twins.
async fn write_and_replay(load: &mut Load, factory: &Factory, data: Dataset) -> anyhow::Result<()> {
    let organizations = data.organization_ids();
    load.write(data).await?;
    load.replay_twins(factory.scale(), &organizations, factory.now())
        .await?;
    Ok(())
}

impl SyntheticSize {
    /// Rows a run of this size writes, all tables together.
    fn rows(self) -> u64 {
        let orgs = u64::from(self.orgs);
        let users = orgs * u64::from(self.users_per_org);
        let assessments = users * u64::from(self.assessments_per_user);
        // Organisations, users and memberships, assessments and scores, and one step per
        // organisation for the replay of its twin (whose snapshots depend on the answers).
        2 * orgs + 2 * users + 2 * assessments
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_counts_every_row_it_writes() {
        let size = SyntheticSize {
            orgs: 100,
            users_per_org: 50,
            assessments_per_user: 4,
        };
        // 100 organisations and their twins' replays, 5 000 users and members, 20 000
        // assessments and scores.
        assert_eq!(size.rows(), 50_200);
    }
}
