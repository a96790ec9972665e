//! `AssessmentScore`: the scored outcome of a completed assessment.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::assessment_scores;

use super::{Assessment, MaturityLevel, decimal_to_f64, related, strings};
use crate::db::loaders::AssessmentById;
use crate::graphql::enums::ScoreBracket;
use crate::graphql::guards::OrganizationRole;
use crate::graphql::id::NodeKind;

/// How an assessment scored, and what to do next.
pub struct AssessmentScore(pub Arc<assessment_scores::Model>);

#[Object(guard = "OrganizationRole::member_of(self.0.organization_id)")]
impl AssessmentScore {
    /// The score's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::AssessmentScore.id(self.0.id)
    }

    /// Overall score, 0–5 with two decimals.
    async fn overall_score(&self) -> f64 {
        decimal_to_f64(self.0.overall_score)
    }

    /// The half-point bracket of the overall score.
    async fn bracket(&self) -> ScoreBracket {
        self.0.bracket.into()
    }

    /// Scores per category of the question model.
    async fn category_scores(&self) -> Json<serde_json::Value> {
        super::json(&self.0.category_scores)
    }

    /// What to improve, from the maturity rubric.
    async fn recommendations(&self) -> Vec<String> {
        strings(&self.0.recommendations)
    }

    /// Concrete next steps, from the maturity rubric.
    async fn next_steps(&self) -> Vec<String> {
        strings(&self.0.next_steps)
    }

    /// A written reading of the result.
    async fn insights(&self) -> Option<&str> {
        self.0.insights.as_deref()
    }

    /// How sure the score is, 0–1; lower when answers are missing.
    async fn confidence(&self) -> f64 {
        decimal_to_f64(self.0.confidence)
    }

    /// Strengths, weaknesses, opportunities and threats.
    async fn swot(&self) -> Option<Json<serde_json::Value>> {
        self.0.swot.as_ref().map(super::json)
    }

    /// The maturity level the overall score reaches.
    async fn maturity_level(&self, ctx: &Context<'_>) -> Result<MaturityLevel> {
        Ok(MaturityLevel::of(ctx, self.0.maturity_level)?)
    }

    /// The assessment scored.
    async fn assessment(&self, ctx: &Context<'_>) -> Result<Assessment> {
        Ok(Assessment(
            related::<AssessmentById>(ctx, self.0.assessment_id).await?,
        ))
    }

    /// When it was scored.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
