//! Builds believable rows for the demo and synthetic data sets.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use entity::enums::{
    AssessmentStatus, AssessmentType, CompanySize, MemberRole, MemberStatus, OrganizationStatus,
    PlatformRole, SnapshotReason, UserStatus,
};
use entity::{
    assessment_scores, assessments, digital_twin_snapshots, organization_digital_twins,
    organization_members, organizations, user_consents, users,
};
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, DbErr};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::reference;
use crate::domain::scoring::{MAX_SCORE, MaturityBand, MaturityScale, bracket_for};

/// Questions per generated answer set.
const QUESTIONS: usize = 8;

const TECHNOLOGIES: [&str; 8] = [
    "crm",
    "erp",
    "cloud_data_warehouse",
    "bi_dashboards",
    "marketing_automation",
    "workflow_automation",
    "llm_assistants",
    "customer_data_platform",
];

const SKILLS: [&str; 6] = [
    "data_analysis",
    "process_design",
    "change_management",
    "machine_learning",
    "product_management",
    "cloud_engineering",
];

/// A rubric entry: what the next level asks for.
struct RubricAdvice {
    recommendation: String,
    next_step: String,
}

/// Row builder holding the reference data scores are mapped with.
pub(super) struct Factory {
    now: DateTime<Utc>,
    scale: MaturityScale,
    rubric: HashMap<(i16, String), RubricAdvice>,
    categories: Vec<String>,
    rng: fastrand::Rng,
}

impl Factory {
    /// Loads the maturity scale and rubric; `seed` makes the generated values repeatable.
    pub async fn load(db: &DatabaseConnection, seed: u64) -> Result<Self, DbErr> {
        let scale = MaturityScale::new(
            reference::maturity_levels(db)
                .await?
                .into_iter()
                .map(|level| MaturityBand {
                    level: level.level,
                    min_score: level.min_score,
                    max_score: level.max_score,
                })
                .collect(),
        );
        let mut categories = Vec::new();
        let mut rubric = HashMap::new();
        for criterion in reference::maturity_criteria(db).await? {
            if !categories.contains(&criterion.category) {
                categories.push(criterion.category.clone());
            }
            rubric.insert(
                (criterion.maturity_level, criterion.category),
                RubricAdvice {
                    recommendation: criterion.recommendation,
                    next_step: criterion.next_step,
                },
            );
        }
        Ok(Self {
            // Microseconds: what both backends store, so values read back compare equal.
            now: Utc::now()
                .duration_trunc(Duration::microseconds(1))
                .unwrap_or_else(|_| Utc::now()),
            scale,
            rubric,
            categories,
            rng: fastrand::Rng::with_seed(seed),
        })
    }

    /// A random index below `len`.
    pub fn pick(&mut self, len: usize) -> usize {
        self.rng.usize(..len)
    }

    /// A score between `low` and `high` (0–5), two decimals.
    pub fn score_between(&mut self, low: Decimal, high: Decimal) -> Decimal {
        let hundredths = self.rng.i64(to_hundredths(low)..=to_hundredths(high));
        Decimal::new(hundredths, 2)
    }

    pub fn organization(
        &self,
        name: &str,
        slug: &str,
        industry: &str,
        company_size: CompanySize,
    ) -> organizations::Model {
        organizations::Model {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            slug: slug.to_owned(),
            industry: Some(industry.to_owned()),
            company_size: Some(company_size),
            settings: json!({ "locale": "en-GB", "fiscal_year_start": "04-01" }),
            status: OrganizationStatus::Active,
            created_at: self.now - Duration::days(400),
            updated_at: self.now - Duration::days(400),
            deleted_at: None,
        }
    }

    pub fn user(
        &self,
        email: &str,
        first_name: &str,
        last_name: &str,
        title: &str,
    ) -> users::Model {
        users::Model {
            id: Uuid::now_v7(),
            email: email.to_owned(),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            phone: None,
            title: Some(title.to_owned()),
            timezone: Some("Europe/London".to_owned()),
            linkedin_url: None,
            profile_pic_url: None,
            platform_role: PlatformRole::User,
            status: UserStatus::Active,
            anonymized_at: None,
            created_at: self.now - Duration::days(380),
            updated_at: self.now - Duration::days(380),
            deleted_at: None,
        }
    }

    pub fn membership(
        &self,
        organization: &organizations::Model,
        user: &users::Model,
        role: MemberRole,
        department: &str,
    ) -> organization_members::Model {
        organization_members::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id,
            user_id: user.id,
            role,
            department: Some(department.to_owned()),
            status: MemberStatus::Active,
            joined_at: self.now - Duration::days(370),
            created_at: self.now - Duration::days(370),
            updated_at: self.now - Duration::days(370),
        }
    }

    /// An assessment still being filled in, with some answers saved.
    pub fn in_progress_assessment(
        &mut self,
        organization: &organizations::Model,
        respondent: &users::Model,
        assessment_type: AssessmentType,
        started_days_ago: i64,
    ) -> assessments::Model {
        let started = self.now - Duration::days(started_days_ago);
        let answers = self.answers(QUESTIONS / 2);
        assessments::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id,
            user_id: respondent.id,
            assessment_type,
            version: "1.0".to_owned(),
            responses: answers,
            metadata: json!({ "source": "seed" }),
            status: AssessmentStatus::InProgress,
            completed_at: None,
            created_at: started,
            updated_at: started,
        }
    }

    /// A completed assessment and its score, `overall` being the overall score (0–5).
    pub fn completed_assessment(
        &mut self,
        organization: &organizations::Model,
        respondent: &users::Model,
        assessment_type: AssessmentType,
        completed_days_ago: i64,
        overall: Decimal,
    ) -> (assessments::Model, assessment_scores::Model) {
        let completed = self.now - Duration::days(completed_days_ago);
        let started = completed - Duration::hours(2);
        let assessment = assessments::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id,
            user_id: respondent.id,
            assessment_type,
            version: "1.0".to_owned(),
            responses: self.answers(QUESTIONS),
            metadata: json!({ "source": "seed" }),
            status: AssessmentStatus::Completed,
            completed_at: Some(completed),
            created_at: started,
            updated_at: completed,
        };
        let score = self.score(&assessment, overall, completed);
        (assessment, score)
    }

    fn score(
        &mut self,
        assessment: &assessments::Model,
        overall: Decimal,
        scored_at: DateTime<Utc>,
    ) -> assessment_scores::Model {
        let level = self.scale.level_for(overall);
        let spread = Decimal::new(60, 2);
        let mut category_scores: Vec<(String, Decimal)> = self
            .categories
            .clone()
            .into_iter()
            .map(|category| {
                let low = (overall - spread).max(Decimal::ZERO);
                let high = (overall + spread).min(MAX_SCORE);
                (category, self.score_between(low, high))
            })
            .collect();
        category_scores.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let weakest: Vec<&(String, Decimal)> = category_scores.iter().take(2).collect();
        let advice = |pick: fn(&RubricAdvice) -> &String| -> Vec<String> {
            weakest
                .iter()
                .filter_map(|(category, _)| self.rubric.get(&(level, category.clone())))
                .map(|advice| pick(advice).clone())
                .collect()
        };
        let recommendations = advice(|advice| &advice.recommendation);
        let next_steps = advice(|advice| &advice.next_step);
        let strongest = category_scores
            .last()
            .map(|(name, _)| name.as_str())
            .unwrap_or("none");
        let weakest_name = weakest
            .first()
            .map(|(name, _)| name.as_str())
            .unwrap_or("none");
        assessment_scores::Model {
            id: Uuid::now_v7(),
            assessment_id: assessment.id,
            organization_id: assessment.organization_id,
            overall_score: overall,
            bracket: bracket_for(overall),
            category_scores: Value::Object(
                category_scores
                    .iter()
                    .map(|(category, score)| (category.clone(), json!(score.to_string())))
                    .collect(),
            ),
            recommendations: json!(recommendations),
            next_steps: json!(next_steps),
            insights: Some(format!(
                "Overall {overall} out of 5: strongest in {strongest}, weakest in {weakest_name}."
            )),
            confidence: self.score_between(Decimal::new(70, 2), Decimal::new(95, 2)),
            swot: Some(json!({
                "strengths": [format!("{strongest} practices are ahead of the rest")],
                "weaknesses": [format!("{weakest_name} lags behind")],
                "opportunities": ["automate recurring reporting"],
                "threats": ["competitors adopting AI faster"],
            })),
            maturity_level: level,
            created_at: scored_at,
            updated_at: scored_at,
        }
    }

    /// The organisation's twin from its overall scores, with one monthly snapshot for each of
    /// the last `months` months, rising towards today's state.
    pub fn twin_with_history(
        &mut self,
        organization: &organizations::Model,
        scores: &[Decimal],
        months: i64,
    ) -> (
        organization_digital_twins::Model,
        Vec<digital_twin_snapshots::Model>,
    ) {
        let maturity_score = average(scores);
        let ai_readiness = (maturity_score * Decimal::from(20))
            .round_dp(2)
            .min(Decimal::from(100));
        let twin = organization_digital_twins::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id,
            maturity_level: self.scale.level_for(maturity_score),
            maturity_score,
            ai_readiness_score: ai_readiness,
            technology_inventory: self.inventory(&TECHNOLOGIES),
            skills_inventory: self.inventory(&SKILLS),
            readiness_indicators: json!({
                "data_quality": self.score_between(Decimal::ONE, MAX_SCORE).to_string(),
                "leadership_support": self.score_between(Decimal::ONE, MAX_SCORE).to_string(),
                "change_readiness": self.score_between(Decimal::ONE, MAX_SCORE).to_string(),
            }),
            assessment_count: i32::try_from(scores.len()).unwrap_or(i32::MAX),
            computed_at: self.now,
            created_at: self.now - Duration::days(30 * months),
            updated_at: self.now,
        };
        let snapshots = (1..=months)
            .rev()
            .map(|months_ago| {
                let drift = Decimal::new(8 * months_ago, 2);
                let score = (maturity_score - drift).max(Decimal::ZERO);
                let readiness = (score * Decimal::from(20)).round_dp(2).min(Decimal::from(100));
                let captured = self.now - Duration::days(30 * months_ago);
                digital_twin_snapshots::Model {
                    id: Uuid::now_v7(),
                    twin_id: twin.id,
                    organization_id: organization.id,
                    maturity_level: self.scale.level_for(score),
                    maturity_score: score,
                    ai_readiness_score: readiness,
                    assessment_count: twin.assessment_count,
                    state: json!({ "maturity_score": score.to_string(), "ai_readiness_score": readiness.to_string() }),
                    reason: SnapshotReason::Monthly,
                    captured_at: captured,
                    created_at: captured,
                    updated_at: captured,
                }
            })
            .collect();
        (twin, snapshots)
    }

    /// A consent answer given `days_ago`.
    pub fn consent(
        &self,
        user: &users::Model,
        consent_type_id: Uuid,
        granted: bool,
        days_ago: i64,
    ) -> user_consents::Model {
        let recorded = self.now - Duration::days(days_ago);
        user_consents::Model {
            id: Uuid::now_v7(),
            user_id: user.id,
            consent_type_id,
            granted,
            recorded_at: recorded,
            source: Some("seed".to_owned()),
            ip_address: None,
            user_agent: None,
            created_at: recorded,
            updated_at: recorded,
        }
    }

    fn answers(&mut self, count: usize) -> Value {
        Value::Object(
            (1..=count)
                .map(|question| (format!("q{question}"), json!(self.rng.u8(1..=5))))
                .collect(),
        )
    }

    fn inventory(&mut self, items: &[&str]) -> Value {
        let mut inventory = serde_json::Map::new();
        for item in items {
            if self.rng.bool() {
                inventory.insert(
                    (*item).to_owned(),
                    json!({ "adoption": self.rng.u8(1..=5) }),
                );
            }
        }
        Value::Object(inventory)
    }
}

fn to_hundredths(value: Decimal) -> i64 {
    (value * Decimal::ONE_HUNDRED)
        .trunc()
        .try_into()
        .unwrap_or_default()
}

fn average(scores: &[Decimal]) -> Decimal {
    if scores.is_empty() {
        return Decimal::ZERO;
    }
    (scores.iter().sum::<Decimal>() / Decimal::from(scores.len())).round_dp(2)
}
