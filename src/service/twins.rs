//! Recomputing an organisation's digital twin, inside the transaction that changed its inputs:
//! a submission, an archive, a member leaving. The twin, its `change` snapshot and its event
//! commit or roll back with that change.

use chrono::{DateTime, Utc};
use entity::enums::{AssessmentStatus, AssessmentType, MemberRole, MemberStatus, SnapshotReason};
use entity::{
    assessment_scores, assessments, digital_twin_snapshots, organization_digital_twins,
    organization_members, organizations, users,
};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, FromQueryResult, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Actor, begin, begin_writing, lock_organization, require_role};
use crate::audit;
use crate::db::consents;
use crate::domain::consent;
use crate::domain::scoring::MaturityScale;
use crate::domain::twin::{self, ScoredAssessment, TwinState};
use crate::error::AppError;
use crate::events::{self, NewEvent};

/// The twin after a recomputation, and whether it changed.
#[derive(Debug, Clone)]
pub struct Recomputed {
    /// `None` for an organisation that has never had a counted assessment.
    pub twin: Option<organization_digital_twins::Model>,
    pub changed: bool,
}

/// Recomputes the twin from the organisation's inputs as they stand at `at` (assessments
/// completed by then), and when it changed writes it with a `change` snapshot captured at `at`
/// and a `digital_twin.recomputed` event. The caller has locked the organisation, so
/// recomputations of one organisation take turns and each sees the one before.
pub async fn recompute(
    tx: &impl ConnectionTrait,
    scale: &MaturityScale,
    organization_id: Uuid,
    actor_user_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<Recomputed, DbErr> {
    let inputs = counted_inputs(tx, organization_id, at).await?;
    let state = twin::aggregate(twin::twin_model(), scale, &inputs);
    let existing = organization_digital_twins::Entity::find()
        .filter(organization_digital_twins::Column::OrganizationId.eq(organization_id))
        .one(tx)
        .await?;
    let columns = Columns::of(&state);
    let twin = match existing {
        None if state.assessment_count == 0 => {
            return Ok(Recomputed {
                twin: None,
                changed: false,
            });
        }
        Some(twin) if columns.same_as(&twin) => {
            return Ok(Recomputed {
                twin: Some(twin),
                changed: false,
            });
        }
        Some(twin) => {
            let mut row = twin.into_active_model();
            columns.set(&mut row, at);
            row.update(tx).await?
        }
        None => {
            let mut row = organization_digital_twins::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(organization_id),
                created_at: Set(at),
                ..Default::default()
            };
            columns.set(&mut row, at);
            row.insert(tx).await?
        }
    };
    snapshot(tx, &twin, SnapshotReason::Change, at).await?;
    audit::serialise_appends(tx).await?;
    events::append(
        tx,
        NewEvent {
            organization_id: Some(organization_id),
            actor_user_id,
            aggregate_type: "digital_twin",
            aggregate_id: twin.id,
            event_type: "digital_twin.recomputed",
            payload: json!({
                "maturity_score": twin.maturity_score,
                "maturity_level": twin.maturity_level,
                "ai_readiness_score": twin.ai_readiness_score,
                "assessment_count": twin.assessment_count,
            }),
        },
    )
    .await?;
    Ok(Recomputed {
        twin: Some(twin),
        changed: true,
    })
}

/// After `user_id` left the organisation: recomputes the twin when their assessments counted in
/// it, and only then.
pub async fn recompute_without(
    tx: &impl ConnectionTrait,
    scale: &MaturityScale,
    organization_id: Uuid,
    user_id: Uuid,
    actor_user_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<Option<Recomputed>, DbErr> {
    let completed = assessments::Entity::find()
        .filter(assessments::Column::OrganizationId.eq(organization_id))
        .filter(assessments::Column::UserId.eq(user_id))
        .filter(assessments::Column::Status.eq(AssessmentStatus::Completed))
        .count(tx)
        .await?;
    if completed == 0 {
        return Ok(None);
    }
    recompute(tx, scale, organization_id, actor_user_id, at)
        .await
        .map(Some)
}

/// After `user_id`'s assessments start or stop counting (their `analytics` consent turned):
/// recomputes the twin of every organisation they are an active member of with a completed
/// assessment. Every such organisation is locked first, in id order, and only then recomputed,
/// so two such changes, or one and a submission, never wait on each other in a cycle.
pub async fn recompute_counting(
    tx: &DatabaseTransaction,
    scale: &MaturityScale,
    user_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let memberships = Query::select()
        .column(organization_members::Column::OrganizationId)
        .from(organization_members::Entity)
        .and_where(organization_members::Column::UserId.eq(user_id))
        .and_where(organization_members::Column::Status.eq(MemberStatus::Active))
        .to_owned();
    let organizations: Vec<Uuid> = assessments::Entity::find()
        .select_only()
        .column(assessments::Column::OrganizationId)
        .distinct()
        .filter(assessments::Column::UserId.eq(user_id))
        .filter(assessments::Column::Status.eq(AssessmentStatus::Completed))
        .filter(assessments::Column::OrganizationId.in_subquery(memberships))
        .order_by_asc(assessments::Column::OrganizationId)
        .into_tuple()
        .all(tx)
        .await?;
    let mut locked = Vec::with_capacity(organizations.len());
    for organization in organizations {
        if lock_organization(tx, organization).await?.is_some() {
            locked.push(organization);
        }
    }
    for organization in locked {
        recompute(tx, scale, organization, Some(user_id), at).await?;
    }
    Ok(())
}

/// `recomputeDigitalTwin`: recomputes one organisation's twin now. Admins and owners.
pub async fn recompute_now(
    db: &DatabaseConnection,
    scale: &MaturityScale,
    actor: Actor<'_>,
    organization_id: Uuid,
) -> Result<Recomputed, AppError> {
    let tx = begin(db).await?;
    require_role(&tx, actor, organization_id, MemberRole::Admin).await?;
    let recomputed = recompute(
        &tx,
        scale,
        organization_id,
        Some(actor.user_id()),
        Utc::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(recomputed)
}

/// Recomputes one organisation's twin in a transaction of its own, for batch runs (the CLI,
/// the seed): `None` when the organisation is gone.
pub async fn recompute_alone(
    db: &DatabaseConnection,
    scale: &MaturityScale,
    organization_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Option<Recomputed>, DbErr> {
    let tx = begin_writing(db).await?;
    if lock_organization(&tx, organization_id).await?.is_none() {
        return Ok(None);
    }
    let recomputed = recompute(&tx, scale, organization_id, None, at).await?;
    tx.commit().await?;
    Ok(Some(recomputed))
}

/// The organisations a batch recomputation goes through, by id: every one that is not
/// deleted, or the one with `slug`.
pub async fn organizations_to_recompute(
    db: &DatabaseConnection,
    slug: Option<&str>,
) -> Result<Vec<Uuid>, DbErr> {
    let mut query = organizations::Entity::find()
        .select_only()
        .column(organizations::Column::Id)
        .filter(organizations::Column::DeletedAt.is_null())
        .order_by_asc(organizations::Column::Id);
    if let Some(slug) = slug {
        query = query.filter(organizations::Column::Slug.eq(slug));
    }
    query.into_tuple().all(db).await
}

/// Writes a snapshot of the twin as it stands.
pub async fn snapshot(
    tx: &impl ConnectionTrait,
    twin: &organization_digital_twins::Model,
    reason: SnapshotReason,
    at: DateTime<Utc>,
) -> Result<digital_twin_snapshots::Model, DbErr> {
    snapshot_row(twin, reason, at)
        .into_active_model()
        .insert(tx)
        .await
}

/// A snapshot of `twin` captured at `at`: its own organisation, its own values, nothing of any
/// other.
pub fn snapshot_row(
    twin: &organization_digital_twins::Model,
    reason: SnapshotReason,
    at: DateTime<Utc>,
) -> digital_twin_snapshots::Model {
    digital_twin_snapshots::Model {
        id: Uuid::now_v7(),
        twin_id: twin.id,
        organization_id: twin.organization_id,
        maturity_level: twin.maturity_level,
        maturity_score: twin.maturity_score,
        ai_readiness_score: twin.ai_readiness_score,
        assessment_count: twin.assessment_count,
        state: snapshot_state(twin),
        reason,
        captured_at: at,
        created_at: at,
        updated_at: at,
    }
}

/// A twin's state as a snapshot keeps it: its figures, each dimension's and each AI readiness
/// group's score, and what it counted. Inventories stay on the twin.
pub fn snapshot_state(twin: &organization_digital_twins::Model) -> Value {
    json!({
        "maturity_score": twin.maturity_score,
        "maturity_level": twin.maturity_level,
        "ai_readiness_score": twin.ai_readiness_score,
        "assessment_count": twin.assessment_count,
        "dimensions": scores_by_key(&twin.dimension_scores),
        "ai_readiness": scores_by_key(&twin.readiness_indicators),
        "explanation": twin.explanation,
    })
}

/// `[{key, score, …}]` as `{key: score}`.
fn scores_by_key(document: &Value) -> Value {
    Value::Object(
        document
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let key = entry.get("key")?.as_str()?;
                Some((
                    key.to_owned(),
                    entry.get("score").cloned().unwrap_or(Value::Null),
                ))
            })
            .collect(),
    )
}

/// The twin's columns as the state sets them.
struct Columns {
    maturity_level: i16,
    maturity_score: rust_decimal::Decimal,
    ai_readiness_score: rust_decimal::Decimal,
    assessment_count: i32,
    dimension_scores: Value,
    readiness_indicators: Value,
    technology_inventory: Value,
    skills_inventory: Value,
    explanation: Value,
}

impl Columns {
    fn of(state: &TwinState) -> Self {
        Self {
            maturity_level: state.maturity_level,
            maturity_score: state.maturity_score,
            ai_readiness_score: state.ai_readiness_score,
            assessment_count: state.assessment_count,
            dimension_scores: json!(state.dimensions),
            readiness_indicators: json!(state.ai_readiness),
            technology_inventory: json!(state.technology_inventory),
            skills_inventory: json!(state.skills_inventory),
            explanation: json!({
                "model_version": state.model_version,
                "assessments": json!(state.assessments),
                "superseded": state.superseded,
            }),
        }
    }

    fn same_as(&self, twin: &organization_digital_twins::Model) -> bool {
        self.maturity_level == twin.maturity_level
            && self.maturity_score == twin.maturity_score
            && self.ai_readiness_score == twin.ai_readiness_score
            && self.assessment_count == twin.assessment_count
            && self.dimension_scores == twin.dimension_scores
            && self.readiness_indicators == twin.readiness_indicators
            && self.technology_inventory == twin.technology_inventory
            && self.skills_inventory == twin.skills_inventory
            && self.explanation == twin.explanation
    }

    fn set(self, row: &mut organization_digital_twins::ActiveModel, at: DateTime<Utc>) {
        row.maturity_level = Set(self.maturity_level);
        row.maturity_score = Set(self.maturity_score);
        row.ai_readiness_score = Set(self.ai_readiness_score);
        row.assessment_count = Set(self.assessment_count);
        row.dimension_scores = Set(self.dimension_scores);
        row.readiness_indicators = Set(self.readiness_indicators);
        row.technology_inventory = Set(self.technology_inventory);
        row.skills_inventory = Set(self.skills_inventory);
        row.explanation = Set(self.explanation);
        row.computed_at = Set(at);
        row.updated_at = Set(at);
    }
}

/// The organisation's completed assessments with their scores, completed by `at`, of people
/// who are active members now (someone who left no longer speaks for the organisation) and
/// have not withdrawn their `analytics` consent: the columns the twin reads, nothing else, in
/// one statement.
pub async fn counted_inputs(
    tx: &impl ConnectionTrait,
    organization_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<ScoredAssessment>, DbErr> {
    // Active members, and erased ones: erasure takes a person's identity, not the facts
    // their answers gave the organisation.
    let erased = Query::select()
        .column(users::Column::Id)
        .from(users::Entity)
        .and_where(users::Column::AnonymizedAt.is_not_null())
        .to_owned();
    let members = Query::select()
        .column(organization_members::Column::UserId)
        .from(organization_members::Entity)
        .and_where(organization_members::Column::OrganizationId.eq(organization_id))
        .cond_where(
            Condition::any()
                .add(organization_members::Column::Status.eq(MemberStatus::Active))
                .add(organization_members::Column::UserId.in_subquery(erased)),
        )
        .to_owned();
    let rows: Vec<InputRow> = assessments::Entity::find()
        .select_only()
        .columns([
            assessments::Column::Id,
            assessments::Column::UserId,
            assessments::Column::AssessmentType,
            assessments::Column::Version,
            assessments::Column::CompletedAt,
            assessments::Column::Responses,
        ])
        .column_as(assessment_scores::Column::OverallScore, "overall_score")
        .column_as(assessment_scores::Column::Confidence, "confidence")
        .column_as(assessment_scores::Column::CategoryScores, "category_scores")
        .inner_join(assessment_scores::Entity)
        .filter(assessments::Column::OrganizationId.eq(organization_id))
        .filter(assessments::Column::Status.eq(AssessmentStatus::Completed))
        .filter(assessments::Column::CompletedAt.lte(at))
        .filter(assessments::Column::UserId.in_subquery(members))
        .filter(
            assessments::Column::UserId.not_in_subquery(consents::withdrawn(consent::ANALYTICS)),
        )
        .into_model()
        .all(tx)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(ScoredAssessment {
                id: row.id,
                respondent: row.user_id,
                assessment_type: row.assessment_type,
                version: row.version,
                completed_at: row.completed_at?,
                overall: row.overall_score,
                confidence: row.confidence,
                category_scores: serde_json::from_value(row.category_scores).unwrap_or_default(),
                responses: row.responses,
            })
        })
        .collect())
}

/// What the twin reads of one assessment and its score.
#[derive(FromQueryResult)]
struct InputRow {
    id: Uuid,
    user_id: Uuid,
    assessment_type: AssessmentType,
    version: String,
    completed_at: Option<DateTime<Utc>>,
    responses: Value,
    overall_score: rust_decimal::Decimal,
    confidence: rust_decimal::Decimal,
    category_scores: Value,
}
