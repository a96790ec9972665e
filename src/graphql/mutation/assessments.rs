//! `startAssessment`, `saveAssessmentResponses`, `submitAssessment`, `archiveAssessment`.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use entity::enums::MemberRole as StoredRole;
use uuid::Uuid;

use super::Mutating;
use super::organizations::organization_key;
use crate::graphql::enums::AssessmentType;
use crate::graphql::guards::{RoleOver, Target, reference, refresh_viewer};
use crate::graphql::id::{GlobalId, NodeKind};
use crate::graphql::types::{Assessment, AssessmentScore};
use crate::service::{ClientMutationId, assessments};

/// An assessment to start, answered by the viewer.
#[derive(InputObject)]
pub struct StartAssessmentInput {
    /// Repeat a start with the same id to get the first result back.
    pub client_mutation_id: Option<String>,
    /// The organisation assessed.
    pub organization_id: ID,
    /// What kind of assessment.
    pub assessment_type: AssessmentType,
    /// The question model's version; the current one when omitted.
    pub version: Option<String>,
}

/// The assessment started.
#[derive(SimpleObject)]
pub struct StartAssessmentPayload {
    /// The id the client sent.
    pub client_mutation_id: Option<String>,
    /// The new assessment, in progress.
    pub assessment: Assessment,
}

/// Answers to merge into an assessment in progress.
#[derive(InputObject)]
pub struct SaveAssessmentResponsesInput {
    /// The assessment.
    pub assessment_id: ID,
    /// Question `key` → answer, as the assessment's `model` describes them (a whole number on a
    /// likert scale, an option's `key`, a boolean, or a string for a text question); `null`
    /// clears an answer. An unknown key is `BAD_USER_INPUT`, and its message lists the model's
    /// question keys.
    pub responses: Json<serde_json::Value>,
}

/// The assessment submitted or archived.
#[derive(InputObject)]
pub struct AssessmentInput {
    /// The assessment.
    pub assessment_id: ID,
}

/// The assessment as it is now.
#[derive(SimpleObject)]
pub struct AssessmentPayload {
    /// The assessment.
    pub assessment: Assessment,
}

/// The submitted assessment and its score.
#[derive(SimpleObject)]
pub struct SubmitAssessmentPayload {
    /// The assessment, now completed.
    pub assessment: Assessment,
    /// Its score.
    pub score: AssessmentScore,
}

#[derive(Default)]
pub struct AssessmentMutations;

#[Object]
impl AssessmentMutations {
    /// Starts an assessment answered by the viewer. Members and stronger roles.
    #[graphql(
        guard = "RoleOver::new(Target::Organization(input.organization_id.clone()), StoredRole::Member, \"input.organizationId\")"
    )]
    async fn start_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The organisation, the kind of assessment and, optionally, the question model's version."
        )]
        input: StartAssessmentInput,
    ) -> Result<StartAssessmentPayload> {
        let mutating = Mutating::of(ctx).await?;
        let organization = organization_key(&input.organization_id)?;
        let client = ClientMutationId {
            mutation: "startAssessment",
            id: input.client_mutation_id.as_deref(),
            request: serde_json::json!({ "organization_id": input.organization_id.as_str(), "assessment_type": entity::enums::AssessmentType::from(input.assessment_type).as_str(), "version": input.version }),
        };
        let assessment = assessments::start(
            mutating.db,
            mutating.actor(),
            organization,
            input.assessment_type.into(),
            input.version,
            client,
        )
        .await?;
        refresh_viewer(ctx)?;
        Ok(StartAssessmentPayload {
            client_mutation_id: input.client_mutation_id,
            assessment: assessment.into(),
        })
    }

    /// Merges answers into an assessment in progress. The respondent only.
    #[graphql(
        guard = "RoleOver::new(Target::Assessment(input.assessment_id.clone()), StoredRole::Member, \"input.assessmentId\")"
    )]
    async fn save_assessment_responses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment in progress and the answers to merge into it.")]
        input: SaveAssessmentResponsesInput,
    ) -> Result<AssessmentPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = assessment_key(&input.assessment_id)?;
        let assessment =
            assessments::save_responses(mutating.db, mutating.actor(), id, input.responses.0)
                .await?;
        refresh_viewer(ctx)?;
        Ok(AssessmentPayload {
            assessment: assessment.into(),
        })
    }

    /// Submits an assessment in progress; it is scored at once. The respondent only.
    #[graphql(
        guard = "RoleOver::new(Target::Assessment(input.assessment_id.clone()), StoredRole::Member, \"input.assessmentId\")"
    )]
    async fn submit_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment to submit; every category needs at least one answer.")]
        input: AssessmentInput,
    ) -> Result<SubmitAssessmentPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = assessment_key(&input.assessment_id)?;
        let (assessment, score) =
            assessments::submit(mutating.db, reference(ctx)?, mutating.actor(), id).await?;
        refresh_viewer(ctx)?;
        Ok(SubmitAssessmentPayload {
            assessment: assessment.into(),
            score: score.into(),
        })
    }

    /// Archives an assessment. Analysts and stronger roles.
    #[graphql(
        guard = "RoleOver::new(Target::Assessment(input.assessment_id.clone()), StoredRole::Analyst, \"input.assessmentId\")"
    )]
    async fn archive_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment to archive.")] input: AssessmentInput,
    ) -> Result<AssessmentPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = assessment_key(&input.assessment_id)?;
        let assessment =
            assessments::archive(mutating.db, reference(ctx)?, mutating.actor(), id).await?;
        refresh_viewer(ctx)?;
        Ok(AssessmentPayload {
            assessment: assessment.into(),
        })
    }
}

fn assessment_key(id: &ID) -> Result<Uuid> {
    Ok(GlobalId::decode_as(
        id,
        NodeKind::Assessment,
        "input.assessmentId",
    )?)
}
