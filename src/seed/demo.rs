//! The demo data set: three organisations of different industries and sizes, a member in every
//! role in each, one person in two organisations, assessments of several types with scores,
//! digital twins with a year of history, and consent answers. Every assessment answers its
//! type's current question model; completed ones are scored by the scoring engine.

use std::time::Instant;

use entity::consent_types;
use entity::enums::{AssessmentType, CompanySize, MemberRole, PlatformRole};
use entity::prelude::*;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use super::factory::{Factory, ScoreRange};
use super::{Dataset, SeedSummary};

/// The demo organisations' slugs; their presence means the demo data is loaded.
pub const DEMO_ORGANIZATION_SLUGS: [&str; 3] =
    ["northwind-logistics", "brightleaf-health", "quanta-retail"];

struct DemoOrganization {
    name: &'static str,
    slug: &'static str,
    industry: &'static str,
    size: CompanySize,
    /// The range its members' overall scores fall in.
    scores: ScoreRange,
    /// (email, first name, last name, title, role, department), one person per role.
    people: [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        MemberRole,
        &'static str,
    ); 5],
}

const ORGANIZATIONS: [DemoOrganization; 3] = [
    DemoOrganization {
        name: "Northwind Logistics",
        slug: DEMO_ORGANIZATION_SLUGS[0],
        industry: "logistics",
        size: CompanySize::MidMarket,
        scores: ScoreRange {
            low: 2.40,
            high: 3.60,
        },
        people: [
            (
                "amara.okafor@northwind.example",
                "Amara",
                "Okafor",
                "Chief Executive",
                MemberRole::Owner,
                "executive",
            ),
            (
                "ben.hartley@northwind.example",
                "Ben",
                "Hartley",
                "Head of Operations",
                MemberRole::Admin,
                "operations",
            ),
            (
                "chen.wei@northwind.example",
                "Chen",
                "Wei",
                "Data Analyst",
                MemberRole::Analyst,
                "finance",
            ),
            (
                "dara.murphy@northwind.example",
                "Dara",
                "Murphy",
                "Fleet Manager",
                MemberRole::Member,
                "operations",
            ),
            (
                "elif.yilmaz@northwind.example",
                "Elif",
                "Yilmaz",
                "Board Observer",
                MemberRole::Viewer,
                "executive",
            ),
        ],
    },
    DemoOrganization {
        name: "Brightleaf Health",
        slug: DEMO_ORGANIZATION_SLUGS[1],
        industry: "healthcare",
        size: CompanySize::Medium,
        scores: ScoreRange {
            low: 1.30,
            high: 2.60,
        },
        people: [
            (
                "fatima.rahman@brightleaf.example",
                "Fatima",
                "Rahman",
                "Managing Director",
                MemberRole::Owner,
                "executive",
            ),
            (
                "george.lindqvist@brightleaf.example",
                "George",
                "Lindqvist",
                "IT Director",
                MemberRole::Admin,
                "it",
            ),
            (
                "hana.sato@brightleaf.example",
                "Hana",
                "Sato",
                "Quality Analyst",
                MemberRole::Analyst,
                "quality",
            ),
            (
                "ivan.petrov@brightleaf.example",
                "Ivan",
                "Petrov",
                "Clinic Manager",
                MemberRole::Member,
                "operations",
            ),
            (
                "julia.costa@brightleaf.example",
                "Julia",
                "Costa",
                "Finance Partner",
                MemberRole::Viewer,
                "finance",
            ),
        ],
    },
    DemoOrganization {
        name: "Quanta Retail Group",
        slug: DEMO_ORGANIZATION_SLUGS[2],
        industry: "retail",
        size: CompanySize::Enterprise,
        scores: ScoreRange {
            low: 3.40,
            high: 4.70,
        },
        people: [
            (
                "kofi.mensah@quanta.example",
                "Kofi",
                "Mensah",
                "Chief Executive",
                MemberRole::Owner,
                "executive",
            ),
            (
                "lena.fischer@quanta.example",
                "Lena",
                "Fischer",
                "Chief Digital Officer",
                MemberRole::Admin,
                "digital",
            ),
            (
                "mateo.garcia@quanta.example",
                "Mateo",
                "Garcia",
                "Insights Lead",
                MemberRole::Analyst,
                "marketing",
            ),
            (
                "nadia.haddad@quanta.example",
                "Nadia",
                "Haddad",
                "Store Operations Lead",
                MemberRole::Member,
                "operations",
            ),
            (
                "oscar.nilsson@quanta.example",
                "Oscar",
                "Nilsson",
                "Investor Relations",
                MemberRole::Viewer,
                "finance",
            ),
        ],
    },
];

/// The assessment types the demo respondents have completed, in turn.
const COMPLETED_TYPES: [AssessmentType; 6] = [
    AssessmentType::StrategicMaturity,
    AssessmentType::DigitalTransformation,
    AssessmentType::AiReadiness,
    AssessmentType::TechStack,
    AssessmentType::Leadership,
    AssessmentType::CustomerExperience,
];

/// Loads the demo data set, unless it is already there (then it writes nothing).
pub async fn demo(db: &DatabaseConnection) -> anyhow::Result<SeedSummary> {
    let already_loaded = Organization::find()
        .filter(entity::organizations::Column::Slug.is_in(DEMO_ORGANIZATION_SLUGS))
        .count(db)
        .await?;
    if already_loaded > 0 {
        return Ok(SeedSummary {
            rows: 0,
            tables: Vec::new(),
            elapsed: std::time::Duration::ZERO,
        });
    }
    let started = Instant::now();
    let consent_types = ConsentType::find().all(db).await?;
    let mut factory = Factory::load(db, 2026).await?;
    build(&mut factory, &consent_types)?
        .insert(db, &factory, started, false)
        .await
}

fn build(factory: &mut Factory, consent_types: &[consent_types::Model]) -> anyhow::Result<Dataset> {
    let mut data = Dataset::default();
    // Sam advises two of the organisations: one person, two memberships, two roles.
    let advisor = factory.user(
        "sam.taylor@advisory.example",
        "Sam",
        "Taylor",
        "Transformation Advisor",
    );
    let mut platform_admin = factory.user(
        "ops@orgraph.example",
        "Platform",
        "Operator",
        "Platform Operations",
    );
    platform_admin.platform_role = PlatformRole::PlatformAdmin;

    for (org_index, spec) in ORGANIZATIONS.iter().enumerate() {
        let organization = factory.organization(spec.name, spec.slug, spec.industry, spec.size);
        for (person_index, (email, first, last, title, role, department)) in
            spec.people.iter().enumerate()
        {
            let user = factory.user(email, first, last, title);
            data.members
                .push(factory.membership(&organization, &user, *role, department));
            if *role != MemberRole::Viewer {
                for round in 0..3 {
                    let kind =
                        COMPLETED_TYPES[(person_index + round + org_index) % COMPLETED_TYPES.len()];
                    let days_ago = 20
                        + 90 * i64::try_from(round).unwrap_or_default()
                        + i64::try_from(person_index).unwrap_or_default();
                    let (assessment, score) = factory.completed_assessment(
                        &organization,
                        &user,
                        kind,
                        days_ago,
                        spec.scores,
                    )?;
                    data.assessments.push(assessment);
                    data.scores.push(score);
                }
                let pending_kind =
                    COMPLETED_TYPES[(person_index + org_index + 3) % COMPLETED_TYPES.len()];
                data.assessments.push(factory.in_progress_assessment(
                    &organization,
                    &user,
                    pending_kind,
                    2,
                    spec.scores,
                )?);
            }
            for (consent_index, consent) in consent_types.iter().enumerate() {
                let granted = (person_index + consent_index) % 3 != 0;
                data.consents
                    .push(factory.consent(&user, consent.id, granted, 300));
            }
            data.users.push(user);
        }
        if org_index < 2 {
            let role = if org_index == 0 {
                MemberRole::Analyst
            } else {
                MemberRole::Member
            };
            data.members
                .push(factory.membership(&organization, &advisor, role, "advisory"));
            let (assessment, score) = factory.completed_assessment(
                &organization,
                &advisor,
                AssessmentType::Onboarding,
                45,
                spec.scores,
            )?;
            data.assessments.push(assessment);
            data.scores.push(score);
        }
        data.organizations.push(organization);
    }
    if let Some(marketing) = consent_types
        .iter()
        .find(|consent| consent.code == "marketing")
    {
        // Sam granted marketing consent, then withdrew it: the latest row is the current state.
        data.consents
            .push(factory.consent(&advisor, marketing.id, true, 200));
        data.consents
            .push(factory.consent(&advisor, marketing.id, false, 10));
    }
    data.users.push(advisor);
    data.users.push(platform_admin);
    Ok(data)
}
