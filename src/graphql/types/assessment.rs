//! `Assessment`: one person's answers to one assessment of one organisation.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Lookahead, Object, Result};
use chrono::{DateTime, Utc};

use super::{AssessmentModel, AssessmentScore, Organization, User, joined_or_load, related};
use crate::db::assessments::{self, AssessmentJoins, ResponsesKey};
use crate::db::organizations::OrganizationKey;
use crate::db::scores::ScoreOfAssessment;
use crate::db::users::UserKey;
use crate::domain::scoring;
use crate::error::AppError;
use crate::graphql::enums::{AssessmentStatus, AssessmentType};
use crate::graphql::guards::OrganizationRole;
use crate::graphql::id::NodeKind;

/// One person's answers to one assessment.
pub struct Assessment(pub Arc<assessments::Assessment>);

impl Assessment {
    /// The to-one rows a selection of an assessment's fields shows.
    pub fn joins(selection: &Lookahead<'_>) -> AssessmentJoins {
        AssessmentJoins {
            score: selection.field("score").exists(),
            respondent: selection.field("respondent").exists(),
        }
    }
}

impl From<entity::assessments::Model> for Assessment {
    fn from(row: entity::assessments::Model) -> Self {
        Self(Arc::new((&row).into()))
    }
}

/// One person's answers to one assessment of one organisation, from start to score. Every
/// member of the organisation (any role) can read it, answers included.
#[Object(guard = "OrganizationRole::member_of(self.0.row.organization_id)")]
impl Assessment {
    /// The assessment's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::Assessment.id(self.0.row.id)
    }

    /// What kind of assessment this is.
    async fn assessment_type(&self) -> AssessmentType {
        self.0.row.assessment_type.into()
    }

    /// The version of the question model answered.
    async fn version(&self) -> &str {
        &self.0.row.version
    }

    /// Where the assessment stands.
    async fn status(&self) -> AssessmentStatus {
        self.0.row.status.into()
    }

    /// The question model answered: the questions, answer scales and categories of this
    /// assessment's type at its `version`, which `saveAssessmentResponses` checks answers
    /// against.
    async fn model(&self) -> Result<AssessmentModel> {
        let row = &self.0.row;
        let model =
            scoring::question_model(row.assessment_type, &row.version).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "assessment {} has no question model {}",
                    row.id,
                    row.version
                ))
            })?;
        Ok(AssessmentModel(model))
    }

    /// The answers, by question.
    async fn responses(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        let answers = related(ctx, ResponsesKey(self.0.row.id)).await?;
        Ok(super::json(&answers.responses))
    }

    /// When it was submitted; `null` until then.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.completed_at
    }

    /// When it was started.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.row.updated_at
    }

    /// The organisation assessed.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        let key = OrganizationKey(
            self.0.row.organization_id,
            Organization::joins(&ctx.look_ahead()),
        );
        Ok(Organization(related(ctx, key).await?))
    }

    /// Who answered; `null` once they no longer share an organisation with the viewer.
    async fn respondent(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let respondent = UserKey(self.0.row.user_id);
        Ok(joined_or_load(ctx, &self.0.respondent, respondent)
            .await?
            .map(User))
    }

    /// The score, once the assessment is completed.
    async fn score(&self, ctx: &Context<'_>) -> Result<Option<AssessmentScore>> {
        let score = ScoreOfAssessment(self.0.row.id);
        Ok(joined_or_load(ctx, &self.0.score, score)
            .await?
            .map(AssessmentScore))
    }
}
