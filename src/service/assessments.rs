//! Starting, answering, submitting (and so scoring) and archiving assessments.

use chrono::{DateTime, Utc};
use entity::enums::{AssessmentStatus, AssessmentType, AuditOperation, MemberRole};
use entity::{assessment_scores, assessments};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, Set,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Actor, ClientMutationId, begin, journal, require_role, twins, values};
use crate::audit::Change;
use crate::db::reference::Reference;
use crate::domain::scoring::{self, CURRENT_VERSION, QuestionModel, ResponseError, ScoreCard};
use crate::domain::twin::{self, ScoredAssessment};
use crate::error::AppError;
use crate::events::NewEvent;

/// Starts an assessment of an organisation, answered by the actor. Members and stronger roles.
pub async fn start(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    organization_id: Uuid,
    assessment_type: AssessmentType,
    version: Option<String>,
    client: ClientMutationId<'_>,
) -> Result<assessments::Model, AppError> {
    let version = version.unwrap_or_else(|| CURRENT_VERSION.to_owned());
    if scoring::question_model(assessment_type, &version).is_none() {
        return Err(AppError::BadUserInput {
            message: format!(
                "there is no version `{version}` of the {} assessment",
                assessment_type.as_str()
            ),
            field: Some("input.version".into()),
        });
    }
    let tx = begin(db).await?;
    require_role(&tx, actor, organization_id, MemberRole::Member).await?;
    if let Some(id) = client.previous(&tx, actor.user_id()).await? {
        return assessments::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(AppError::NotFound);
    }
    let now = Utc::now();
    let assessment = assessments::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        user_id: Set(actor.user_id()),
        assessment_type: Set(assessment_type),
        version: Set(version),
        responses: Set(json!({})),
        metadata: Set(json!({})),
        status: Set(AssessmentStatus::InProgress),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
    let payload =
        json!({ "assessment_type": assessment.assessment_type, "version": assessment.version });
    journal(
        &tx,
        actor,
        change(actor, &assessment, AuditOperation::Insert, None),
        event(actor, &assessment, "assessment.started", payload),
    )
    .await?;
    client.keep(&tx, actor.user_id(), assessment.id).await?;
    tx.commit().await?;
    Ok(assessment)
}

/// Merges answers into an assessment in progress; a `null` answer clears one. Only the
/// respondent answers, and every answer must fit the assessment's question model.
pub async fn save_responses(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    assessment_id: Uuid,
    responses: Value,
) -> Result<assessments::Model, AppError> {
    let Value::Object(answers) = responses else {
        return Err(AppError::BadUserInput {
            message: "`input.responses` must be an object of question ids to answers".into(),
            field: Some("input.responses".into()),
        });
    };
    let tx = begin(db).await?;
    let (before, model) = answerable(&tx, actor, assessment_id).await?;
    let mut merged = before.responses.as_object().cloned().unwrap_or_default();
    for (question, answer) in answers {
        if answer.is_null() {
            merged.remove(&question);
        } else {
            merged.insert(question, answer);
        }
    }
    let merged = Value::Object(merged);
    scoring::validate_responses(model, &merged).map_err(bad_response)?;
    let answered = merged.as_object().map_or(0, Map::len);
    let mut assessment = before.clone().into_active_model();
    assessment.responses = Set(merged);
    assessment.updated_at = Set(Utc::now());
    let after = assessment.update(&tx).await?;
    journal(
        &tx,
        actor,
        change(actor, &after, AuditOperation::Update, Some(&before)),
        event(
            actor,
            &after,
            "assessment.responses_saved",
            json!({ "answered": answered }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Submits an assessment in progress: it becomes `completed` and is scored at once. Only the
/// respondent submits; submitting twice is a `CONFLICT`.
pub async fn submit(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: Actor<'_>,
    assessment_id: Uuid,
) -> Result<(assessments::Model, assessment_scores::Model), AppError> {
    let tx = begin(db).await?;
    let (before, model) = answerable(&tx, actor, assessment_id).await?;
    scoring::require_every_category(model, &before.responses).map_err(bad_response)?;
    let card = scoring::score(
        model,
        &before.responses,
        reference.scale(),
        reference.rubric(),
    )
    .map_err(bad_response)?;
    let now = Utc::now();
    let mut assessment = before.clone().into_active_model();
    assessment.status = Set(AssessmentStatus::Completed);
    assessment.completed_at = Set(Some(now));
    assessment.updated_at = Set(now);
    let after = assessment.update(&tx).await?;
    let score = score_row(&after, &card, now)
        .into_active_model()
        .insert(&tx)
        .await?;
    let mut audited = change(actor, &after, AuditOperation::Update, Some(&before));
    if let Some(Value::Object(fields)) = audited.new_values.as_mut() {
        fields.insert("score".into(), values(&score).unwrap_or_default());
    }
    let payload = json!({
        "assessment_type": after.assessment_type,
        "overall_score": score.overall_score,
        "bracket": score.bracket,
        "maturity_level": score.maturity_level,
        "confidence": score.confidence,
    });
    journal(
        &tx,
        actor,
        audited,
        event(actor, &after, "assessment.submitted", payload),
    )
    .await?;
    twins::recompute(
        &tx,
        reference.scale(),
        after.organization_id,
        Some(actor.user_id()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((after, score))
}

/// The score row of a scored assessment, with its own AI readiness: what a submission stores,
/// and what the seed stores for the completed assessments it makes.
pub fn score_row(
    assessment: &assessments::Model,
    card: &ScoreCard,
    scored_at: DateTime<Utc>,
) -> assessment_scores::Model {
    let ai_readiness = twin::assessment_ai_readiness(
        twin::twin_model(),
        &ScoredAssessment {
            id: assessment.id,
            respondent: assessment.user_id,
            assessment_type: assessment.assessment_type,
            version: assessment.version.clone(),
            completed_at: scored_at,
            overall: card.overall,
            confidence: card.confidence,
            category_scores: card.category_scores.clone(),
            responses: assessment.responses.clone(),
        },
    );
    assessment_scores::Model {
        id: Uuid::now_v7(),
        assessment_id: assessment.id,
        organization_id: assessment.organization_id,
        overall_score: card.overall,
        bracket: card.bracket,
        category_scores: json!(card.category_scores),
        recommendations: json!(card.recommendations),
        next_steps: json!(card.next_steps),
        insights: Some(card.insights.clone()),
        confidence: card.confidence,
        swot: Some(json!(card.swot)),
        maturity_level: card.maturity_level,
        ai_readiness_score: ai_readiness,
        created_at: scored_at,
        updated_at: scored_at,
    }
}

/// Archives an assessment, scored or not, and recomputes the twin without it. Analysts and
/// stronger roles.
pub async fn archive(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: Actor<'_>,
    assessment_id: Uuid,
) -> Result<assessments::Model, AppError> {
    let tx = begin(db).await?;
    let found = find(&tx, assessment_id).await?;
    require_role(&tx, actor, found.organization_id, MemberRole::Analyst).await?;
    // Read again now that the organisation is locked: a concurrent change may have won.
    let before = find(&tx, assessment_id).await?;
    if before.status == AssessmentStatus::Archived {
        return Err(AppError::Conflict(
            "the assessment is already archived".into(),
        ));
    }
    let mut assessment = before.clone().into_active_model();
    assessment.status = Set(AssessmentStatus::Archived);
    assessment.updated_at = Set(Utc::now());
    let after = assessment.update(&tx).await?;
    journal(
        &tx,
        actor,
        change(actor, &after, AuditOperation::Update, Some(&before)),
        event(
            actor,
            &after,
            "assessment.archived",
            json!({ "from": before.status }),
        ),
    )
    .await?;
    twins::recompute(
        &tx,
        reference.scale(),
        after.organization_id,
        Some(actor.user_id()),
        after.updated_at,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

async fn find(
    tx: &DatabaseTransaction,
    assessment_id: Uuid,
) -> Result<assessments::Model, AppError> {
    assessments::Entity::find_by_id(assessment_id)
        .one(tx)
        .await?
        .ok_or(AppError::NotFound)
}

/// An assessment the actor may answer now: theirs, in progress, in an organisation where they
/// are at least a member; with its question model.
async fn answerable(
    tx: &DatabaseTransaction,
    actor: Actor<'_>,
    assessment_id: Uuid,
) -> Result<(assessments::Model, &'static QuestionModel), AppError> {
    let found = find(tx, assessment_id).await?;
    require_role(tx, actor, found.organization_id, MemberRole::Member).await?;
    // Read again now that the organisation is locked: a concurrent save, submission or archive
    // may have committed since, and deciding on the first read would lose it.
    let assessment = find(tx, assessment_id).await?;
    if assessment.user_id != actor.user_id() {
        return Err(AppError::Refused(
            "only the respondent answers an assessment".into(),
        ));
    }
    if assessment.status != AssessmentStatus::InProgress {
        return Err(AppError::Conflict(format!(
            "the assessment is {}, no longer in progress",
            assessment.status.as_str()
        )));
    }
    let model = scoring::question_model(assessment.assessment_type, &assessment.version)
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "assessment {} has no question model {}",
                assessment.id,
                assessment.version
            ))
        })?;
    Ok((assessment, model))
}

fn bad_response(error: ResponseError) -> AppError {
    let field = match error.question() {
        Some(question) => format!("input.responses.{question}"),
        None => "input.responses".to_owned(),
    };
    AppError::BadUserInput {
        message: error.to_string(),
        field: Some(field),
    }
}

fn change(
    actor: Actor<'_>,
    assessment: &assessments::Model,
    operation: AuditOperation,
    before: Option<&assessments::Model>,
) -> Change {
    Change {
        organization_id: Some(assessment.organization_id),
        actor_user_id: Some(actor.user_id()),
        table_name: "assessments",
        record_id: assessment.id.to_string(),
        operation,
        old_values: before.and_then(values),
        new_values: values(assessment),
    }
}

fn event(
    actor: Actor<'_>,
    assessment: &assessments::Model,
    event_type: &'static str,
    payload: Value,
) -> NewEvent {
    NewEvent {
        organization_id: Some(assessment.organization_id),
        actor_user_id: Some(actor.user_id()),
        aggregate_type: "assessment",
        aggregate_id: assessment.id,
        event_type,
        payload,
    }
}
