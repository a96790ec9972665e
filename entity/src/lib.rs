//! SeaORM entities for orgraph: one module per table, relations declared both ways.
//!
//! These are storage types. The GraphQL API wraps them in its own types; a table is never the
//! API by accident.

pub mod assessment_scores;
pub mod assessments;
pub mod audit_log;
pub mod benchmark_positions;
pub mod consent_types;
pub mod data_deletions;
pub mod data_exports;
pub mod data_retention_policies;
pub mod digital_twin_snapshots;
pub mod enums;
pub mod events;
pub mod gdpr_requests;
pub mod industry_benchmarks;
pub mod job_runs;
pub mod maturity_criteria;
pub mod maturity_levels;
pub mod mutation_receipts;
pub mod organization_digital_twins;
pub mod organization_invitations;
pub mod organization_members;
pub mod organizations;
pub mod user_consents;
pub mod users;

pub mod prelude {
    //! The entities under short names.
    pub use super::assessment_scores::Entity as AssessmentScore;
    pub use super::assessments::Entity as Assessment;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::benchmark_positions::Entity as BenchmarkPosition;
    pub use super::consent_types::Entity as ConsentType;
    pub use super::data_deletions::Entity as DataDeletion;
    pub use super::data_exports::Entity as DataExport;
    pub use super::data_retention_policies::Entity as DataRetentionPolicy;
    pub use super::digital_twin_snapshots::Entity as DigitalTwinSnapshot;
    pub use super::events::Entity as Event;
    pub use super::gdpr_requests::Entity as GdprRequest;
    pub use super::industry_benchmarks::Entity as IndustryBenchmark;
    pub use super::job_runs::Entity as JobRun;
    pub use super::maturity_criteria::Entity as MaturityCriterion;
    pub use super::maturity_levels::Entity as MaturityLevel;
    pub use super::mutation_receipts::Entity as MutationReceipt;
    pub use super::organization_digital_twins::Entity as OrganizationDigitalTwin;
    pub use super::organization_invitations::Entity as OrganizationInvitation;
    pub use super::organization_members::Entity as OrganizationMember;
    pub use super::organizations::Entity as Organization;
    pub use super::user_consents::Entity as UserConsent;
    pub use super::users::Entity as User;
}
