//! `Assessment`: one person's answers to one assessment of one organisation.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::assessments;

use super::{AssessmentScore, Organization, User, find_selected, related};
use crate::db::loaders::{OrganizationById, ScoreOfAssessment, UserById};
use crate::graphql::enums::{AssessmentStatus, AssessmentType};
use crate::graphql::guards::OrganizationRole;
use crate::graphql::id::NodeKind;

/// One person's answers to one assessment.
pub struct Assessment(pub Arc<assessments::Model>);

#[Object(guard = "OrganizationRole::member_of(self.0.organization_id)")]
impl Assessment {
    /// The assessment's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::Assessment.id(self.0.id)
    }

    /// What kind of assessment this is.
    async fn assessment_type(&self) -> AssessmentType {
        self.0.assessment_type.into()
    }

    /// The version of the question model answered.
    async fn version(&self) -> &str {
        &self.0.version
    }

    /// Where the assessment stands.
    async fn status(&self) -> AssessmentStatus {
        self.0.status.into()
    }

    /// The answers, by question.
    async fn responses(&self) -> Json<serde_json::Value> {
        super::json(&self.0.responses)
    }

    /// When it was submitted; `null` until then.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }

    /// When it was started.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The organisation assessed.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        Ok(Organization(
            related::<OrganizationById>(ctx, self.0.organization_id).await?,
        ))
    }

    /// Who answered; `null` once they no longer share an organisation with the viewer.
    async fn respondent(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(find_selected::<UserById>(ctx, self.0.user_id)
            .await?
            .map(User))
    }

    /// The score, once the assessment is completed.
    async fn score(&self, ctx: &Context<'_>) -> Result<Option<AssessmentScore>> {
        Ok(find_selected::<ScoreOfAssessment>(ctx, self.0.id)
            .await?
            .map(AssessmentScore))
    }
}
