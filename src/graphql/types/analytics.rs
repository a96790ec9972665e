//! `OrganizationAnalytics`: an organisation's assessments counted and scored, for dashboards.

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{User, load};
use crate::db::analytics::{MonthlyOf, Performer, PerformersOf};
use crate::db::users::UserKey;
use crate::domain::analytics::{self as rules, Performance, Summary};
use crate::error::AppError;
use crate::graphql::enums::{AssessmentStatus, AssessmentType, ScoreBracket};
use crate::graphql::guards::OrganizationRole;

/// Assessment counts and score aggregates of one organisation.
pub struct OrganizationAnalytics {
    pub organization_id: Uuid,
    pub summary: Summary,
    pub last_activity_at: Option<DateTime<Utc>>,
}

impl OrganizationAnalytics {
    /// The first `first` people performing as `performance` says.
    async fn performers(
        &self,
        ctx: &Context<'_>,
        performance: Performance,
        first: Option<i32>,
    ) -> Result<Vec<PerformerSummary>> {
        // An explicit null asks for the default too.
        let first =
            rules::performers(first.unwrap_or(rules::DEFAULT_PERFORMERS)).map_err(|message| {
                AppError::BadUserInput {
                    message,
                    field: Some("first".to_owned()),
                }
            })?;
        let key = PerformersOf {
            organization: self.organization_id,
            performance,
            first,
        };
        let people = load(ctx, key).await?.unwrap_or_default();
        Ok(people
            .iter()
            .map(|performer| PerformerSummary {
                organization_id: self.organization_id,
                performer: performer.clone(),
            })
            .collect())
    }
}

/// The complexity of a list of at most `rows` rows: its children once per row.
fn list_complexity(rows: Option<i32>, default: i32, child_complexity: usize) -> usize {
    usize::try_from(rows.unwrap_or(default))
        .unwrap_or(1)
        .max(1)
        .saturating_mul(child_complexity)
}

/// How many assessments are in one state.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// The state.
    pub status: AssessmentStatus,
    /// How many assessments are in it.
    pub count: i64,
}

/// One assessment type's figures.
#[derive(SimpleObject)]
pub struct AssessmentTypeAnalytics {
    /// The type.
    pub assessment_type: AssessmentType,
    /// How many assessments of this type exist.
    pub count: i64,
    /// How many of them are scored.
    pub scored_count: i64,
    /// Their mean overall score (0–5, two decimals); `null` when none is scored.
    pub average_score: Option<f64>,
}

/// How many scores fall in one bracket.
#[derive(SimpleObject)]
pub struct BracketCount {
    /// The bracket.
    pub bracket: ScoreBracket,
    /// How many scores fall in it.
    pub count: i64,
}

/// One person's completed assessments in the organisation.
pub struct PerformerSummary {
    organization_id: Uuid,
    performer: Performer,
}

/// One person's completed assessments in an organisation: how many, and their mean overall
/// score.
#[Object(guard = "OrganizationRole::member_of(self.organization_id)")]
impl PerformerSummary {
    /// The person; `null` once they no longer share an organisation with the viewer. Their
    /// personal fields follow the rules of `User`.
    async fn respondent(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let person = load(ctx, UserKey(self.performer.user_id)).await?;
        Ok(person.map(User))
    }

    /// The mean overall score of their completed assessments, 0–5, two decimals.
    async fn average_score(&self) -> f64 {
        self.performer.average_score
    }

    /// How many completed assessments the mean is of.
    async fn assessment_count(&self) -> i64 {
        self.performer.assessments
    }
}

/// One month's completed assessments.
#[derive(SimpleObject)]
pub struct MonthlyAssessmentSummary {
    /// The month, `YYYY-MM`, in UTC.
    pub month: String,
    /// How many assessments were completed in it.
    pub completed_count: i64,
    /// Their mean overall score, 0–5, two decimals.
    pub average_score: f64,
    /// Their mean confidence, 0–1, two decimals.
    pub average_confidence: f64,
}

/// Assessment counts and score aggregates of one organisation, for dashboards; computed when
/// asked, over the assessments as they are now. Readable by every member of the organisation.
#[Object(guard = "OrganizationRole::member_of(self.organization_id)")]
impl OrganizationAnalytics {
    /// Every assessment, whatever its state.
    async fn assessment_count(&self) -> i64 {
        self.summary.assessment_count
    }

    /// Assessments with a score.
    async fn scored_count(&self) -> i64 {
        self.summary.scored
    }

    /// The mean overall score of every scored assessment (0–5, two decimals).
    async fn average_score(&self) -> Option<f64> {
        self.summary.average_score
    }

    /// Assessments per state, every state listed.
    async fn by_status(&self) -> Vec<StatusCount> {
        self.summary
            .by_status
            .iter()
            .map(|&(status, count)| StatusCount {
                status: status.into(),
                count,
            })
            .collect()
    }

    /// Figures per assessment type, for the types in use.
    async fn by_type(&self) -> Vec<AssessmentTypeAnalytics> {
        self.summary
            .by_type
            .iter()
            .map(|summary| AssessmentTypeAnalytics {
                assessment_type: summary.assessment_type.into(),
                count: summary.count,
                scored_count: summary.scored,
                average_score: summary.average_score,
            })
            .collect()
    }

    /// How the scores spread over the nine brackets, lowest first.
    async fn brackets(&self) -> Vec<BracketCount> {
        self.summary
            .brackets
            .iter()
            .map(|&(bracket, count)| BracketCount {
                bracket: bracket.into(),
                count,
            })
            .collect()
    }

    /// When an assessment was last changed or completed; `null` without assessments.
    async fn last_activity_at(&self) -> Option<DateTime<Utc>> {
        self.last_activity_at
    }

    /// Completed assessments per calendar month (UTC) over the last `months` months (1–60),
    /// this one included, earliest first. Months without a completed assessment are left out.
    #[graphql(
        complexity = "list_complexity(months, rules::DEFAULT_SUMMARY_MONTHS, child_complexity)"
    )]
    async fn monthly_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many calendar months to cover, this one included: 1–60; `null` means \
                the default.",
            default_with = "Some(rules::DEFAULT_SUMMARY_MONTHS)"
        )]
        months: Option<i32>,
    ) -> Result<Vec<MonthlyAssessmentSummary>> {
        // An explicit null asks for the default too.
        let months = months.unwrap_or(rules::DEFAULT_SUMMARY_MONTHS);
        let since =
            rules::summary_start(Utc::now(), months).map_err(|message| AppError::BadUserInput {
                message,
                field: Some("months".to_owned()),
            })?;
        let key = MonthlyOf {
            organization: self.organization_id,
            since,
        };
        let months = load(ctx, key).await?.unwrap_or_default();
        Ok(months
            .iter()
            .filter_map(|month| {
                rules::month_summary(
                    month.month.clone(),
                    month.completed,
                    month.score_sum,
                    month.confidence_sum,
                )
            })
            .map(|month| MonthlyAssessmentSummary {
                month: month.month,
                completed_count: month.completed,
                average_score: month.average_score,
                average_confidence: month.average_confidence,
            })
            .collect())
    }

    /// People whose completed assessments average 4.00 or more (rounded to two decimals),
    /// best first (then by more assessments); at most `first` (1–100).
    #[graphql(complexity = "list_complexity(first, rules::DEFAULT_PERFORMERS, child_complexity)")]
    async fn high_performers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many people at most: 1–100; `null` means the default.",
            default_with = "Some(rules::DEFAULT_PERFORMERS)"
        )]
        first: Option<i32>,
    ) -> Result<Vec<PerformerSummary>> {
        self.performers(ctx, Performance::High, first).await
    }

    /// People whose completed assessments average below 2.00 (rounded to two decimals),
    /// lowest first (then by more assessments); at most `first` (1–100).
    #[graphql(complexity = "list_complexity(first, rules::DEFAULT_PERFORMERS, child_complexity)")]
    async fn low_performers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many people at most: 1–100; `null` means the default.",
            default_with = "Some(rules::DEFAULT_PERFORMERS)"
        )]
        first: Option<i32>,
    ) -> Result<Vec<PerformerSummary>> {
        self.performers(ctx, Performance::Low, first).await
    }
}
