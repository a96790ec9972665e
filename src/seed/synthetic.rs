//! Sized synthetic data for benchmarks: `orgraph seed --orgs N --users-per-org M
//! --assessments-per-user K`.
//!
//! Row counts are exact: N organisations, N×M users and memberships, N×M×K completed
//! assessments each with its score, N digital twins and 12×N monthly snapshots.

use entity::enums::{AssessmentType, CompanySize, MemberRole};
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, Iterable};

use super::factory::Factory;
use super::{Dataset, SeedSummary};

/// Months of digital twin history per organisation.
pub const SNAPSHOT_MONTHS: i64 = 12;

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
    pub orgs: u32,
    pub users_per_org: u32,
    pub assessments_per_user: u32,
}

/// Generates and inserts synthetic data; names and slugs carry a run id, so seeding again adds
/// a new set beside the old one.
pub async fn synthetic(
    db: &DatabaseConnection,
    size: SyntheticSize,
    show_progress: bool,
) -> anyhow::Result<SeedSummary> {
    let run = uuid::Uuid::now_v7().simple().to_string();
    let run = &run[run.len() - 8..];
    let mut factory = Factory::load(
        db,
        u64::from(size.orgs) * 7919 + u64::from(size.users_per_org),
    )
    .await?;
    let data = build(&mut factory, size, run);
    Ok(data.insert(db, show_progress).await?)
}

fn build(factory: &mut Factory, size: SyntheticSize, run: &str) -> Dataset {
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
        let mut overall_scores = Vec::new();
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
                let overall = factory.score_between(Decimal::new(50, 2), Decimal::new(480, 2));
                let days_ago = 1 + i64::from(round) * 30 + i64::from(person % 29);
                let (assessment, score) =
                    factory.completed_assessment(&organization, &user, kind, days_ago, overall);
                overall_scores.push(overall);
                data.assessments.push(assessment);
                data.scores.push(score);
            }
            data.users.push(user);
        }
        let (twin, snapshots) =
            factory.twin_with_history(&organization, &overall_scores, SNAPSHOT_MONTHS);
        data.twins.push(twin);
        data.snapshots.extend(snapshots);
        data.organizations.push(organization);
    }
    data
}
