//! Schema migrations for orgraph, one code path for SQLite and PostgreSQL.
//!
//! Every migration is a frozen snapshot: once released it is never edited, only followed by a
//! newer one. Reference data (maturity levels, the maturity rubric, consent types) is inserted
//! here so every database, however it was created, carries the same facts.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261123_000001_tenancy;
mod m20261123_000002_assessments;
mod m20261123_000003_digital_twins;
mod m20261123_000004_consents;
mod m20261123_000005_audit_and_events;
mod m20261123_000006_mutation_receipts;
mod m20261124_000007_to_one_unique_constraints;
mod m20261202_000008_living_twin;
mod m20261202_000009_job_runs;
mod m20261202_000010_industry_benchmarks;
mod m20261204_000011_audit_organization_sequence;
mod m20261204_000012_organization_invitations;
mod m20261206_000013_data_requests;

/// The ordered list of orgraph's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_tenancy::Migration),
            Box::new(m20261123_000002_assessments::Migration),
            Box::new(m20261123_000003_digital_twins::Migration),
            Box::new(m20261123_000004_consents::Migration),
            Box::new(m20261123_000005_audit_and_events::Migration),
            Box::new(m20261123_000006_mutation_receipts::Migration),
            Box::new(m20261124_000007_to_one_unique_constraints::Migration),
            Box::new(m20261202_000008_living_twin::Migration),
            Box::new(m20261202_000009_job_runs::Migration),
            Box::new(m20261202_000010_industry_benchmarks::Migration),
            Box::new(m20261204_000011_audit_organization_sequence::Migration),
            Box::new(m20261204_000012_organization_invitations::Migration),
            Box::new(m20261206_000013_data_requests::Migration),
        ]
    }
}

/// The eleven assessment types of the unified assessment design.
pub const ASSESSMENT_TYPES: [&str; 11] = [
    "onboarding",
    "strategic_maturity",
    "bpm",
    "competitive_benchmarking",
    "customer_experience",
    "digital_transformation",
    "leadership",
    "marketing_effectiveness",
    "sales_performance",
    "tech_stack",
    "ai_readiness",
];

/// The nine score brackets, from the lowest to the highest.
pub const SCORE_BRACKETS: [&str; 9] = [
    "score_1",
    "score_1_5",
    "score_2",
    "score_2_5",
    "score_3",
    "score_3_5",
    "score_4",
    "score_4_5",
    "score_5",
];

/// Membership roles, strongest first.
pub const MEMBER_ROLES: [&str; 5] = ["owner", "admin", "analyst", "member", "viewer"];

/// Company size bands an organisation can declare.
pub const COMPANY_SIZES: [&str; 7] = [
    "1-10",
    "11-50",
    "51-200",
    "201-500",
    "501-1000",
    "1001-5000",
    "5001+",
];
