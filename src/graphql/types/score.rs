//! `AssessmentScore`: the scored outcome of a completed assessment.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};

use super::{Assessment, MaturityLevel, decimal_to_f64, related, strings};
use crate::db::assessments::AssessmentKey;
use crate::db::scores::{Score, ScoreDocuments, ScoreDocumentsKey};
use crate::domain::scoring::is_low_confidence;
use crate::graphql::enums::ScoreBracket;
use crate::graphql::guards::OrganizationRole;
use crate::graphql::id::NodeKind;

/// How an assessment scored, and what to do next.
pub struct AssessmentScore(pub Arc<Score>);

impl From<entity::assessment_scores::Model> for AssessmentScore {
    fn from(row: entity::assessment_scores::Model) -> Self {
        Self(Arc::new((&row).into()))
    }
}

impl AssessmentScore {
    /// The score's documents, read when a field shows one.
    async fn documents(&self, ctx: &Context<'_>) -> Result<Arc<ScoreDocuments>> {
        Ok(related(ctx, ScoreDocumentsKey(self.0.id)).await?)
    }
}

/// How a submitted assessment scored: the overall score (0–5), its bracket and maturity level,
/// the score of each category, and advice from the maturity rubric. Readable by every member
/// of the assessment's organisation.
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

    /// Whether too few questions were answered to take the score at face value (confidence
    /// below 0.75); such a score weighs half in the digital twin.
    async fn low_confidence(&self) -> bool {
        is_low_confidence(self.0.confidence)
    }

    /// What this assessment alone says of AI readiness, 0–100; `null` when it answers none of
    /// the AI readiness signals.
    async fn ai_readiness_score(&self) -> Option<f64> {
        self.0.ai_readiness_score.map(decimal_to_f64)
    }

    /// The half-point bracket of the overall score.
    async fn bracket(&self) -> ScoreBracket {
        self.0.bracket.into()
    }

    /// Scores per category of the question model.
    async fn category_scores(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        Ok(super::json(&self.documents(ctx).await?.category_scores))
    }

    /// What to improve, from the maturity rubric.
    async fn recommendations(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(strings(&self.documents(ctx).await?.recommendations))
    }

    /// Concrete next steps, from the maturity rubric.
    async fn next_steps(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(strings(&self.documents(ctx).await?.next_steps))
    }

    /// A written reading of the result.
    async fn insights(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.documents(ctx).await?.insights.clone())
    }

    /// How sure the score is, 0–1; lower when answers are missing.
    async fn confidence(&self) -> f64 {
        decimal_to_f64(self.0.confidence)
    }

    /// Strengths (categories scoring 3.50 or more), opportunities (2.50–3.49), weaknesses
    /// (below 2.50) and threats (weaknesses below 1.50), each entry
    /// `{category, name, score, recommendation}` with the rubric's advice at the reached level.
    async fn swot(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        Ok(self.documents(ctx).await?.swot.as_ref().map(super::json))
    }

    /// The maturity level the overall score reaches.
    async fn maturity_level(&self, ctx: &Context<'_>) -> Result<MaturityLevel> {
        Ok(MaturityLevel::of(ctx, self.0.maturity_level)?)
    }

    /// The assessment scored.
    async fn assessment(&self, ctx: &Context<'_>) -> Result<Assessment> {
        let key = AssessmentKey(self.0.assessment_id, Assessment::joins(&ctx.look_ahead()));
        Ok(Assessment(related(ctx, key).await?))
    }

    /// When it was scored.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
