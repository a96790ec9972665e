//! Asking for an export or an erasure, and cancelling one: the subject asks for themselves, a
//! platform admin on anyone's behalf. The request is only recorded here; the worker
//! (`privacy::requests`) runs it. A second request while one of the same kind is open returns
//! the open one.

use chrono::Utc;
use entity::enums::{AuditOperation, DataRequestStatus, DataRequestType};
use entity::{gdpr_requests, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Set, SqlErr,
};
use serde_json::json;
use uuid::Uuid;

use super::{Actor, begin, journal, values};
use crate::audit::Change;
use crate::error::AppError;
use crate::events::NewEvent;

/// What to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ask {
    pub kind: DataRequestType,
    /// For an erasure: only report what would change.
    pub dry_run: bool,
}

/// Records a request about `subject` (the actor when `None`); returns it, or the open one.
/// Anyone but the subject and a platform admin is told the subject does not exist.
pub async fn request(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    subject: Option<Uuid>,
    ask: Ask,
) -> Result<gdpr_requests::Model, AppError> {
    let subject = subject.unwrap_or(actor.user_id());
    if subject != actor.user_id() && !actor.viewer.is_platform_admin() {
        return Err(AppError::NotFound);
    }
    let dry_run = ask.dry_run && ask.kind == DataRequestType::Erasure;
    let tx = begin(db).await?;
    users::Entity::find_by_id(subject)
        .one(&tx)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(open) = open_request(&tx, subject, ask.kind, dry_run).await? {
        return Ok(open);
    }
    let now = Utc::now();
    let inserted = gdpr_requests::ActiveModel {
        id: Set(Uuid::now_v7()),
        request_type: Set(ask.kind),
        subject_user_id: Set(subject),
        requested_by: Set(Some(actor.user_id())),
        dry_run: Set(dry_run),
        status: Set(DataRequestStatus::Pending),
        result: Set(None),
        error: Set(None),
        requested_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await;
    let request = match inserted {
        Ok(request) => request,
        // Another request of the same kind got in first (the open-request index): that one.
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(tx);
            return open_request(db, subject, ask.kind, dry_run)
                .await?
                .ok_or_else(|| AppError::Conflict("a request was made at the same time".into()));
        }
        Err(error) => return Err(error.into()),
    };
    journal(
        &tx,
        actor,
        change(actor, &request, AuditOperation::Insert, None),
        event(actor, &request, "data_request.requested"),
    )
    .await?;
    tx.commit().await?;
    Ok(request)
}

/// Cancels a request that has not started. Seen by the actor but not theirs to cancel:
/// `NOT_FOUND`, as for a request they cannot see; started or finished: `CONFLICT`.
pub async fn cancel(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: Uuid,
) -> Result<gdpr_requests::Model, AppError> {
    let tx = begin(db).await?;
    let before = gdpr_requests::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .filter(|request| {
            request.subject_user_id == actor.user_id()
                || request.requested_by == Some(actor.user_id())
                || actor.viewer.is_platform_admin()
        })
        .ok_or(AppError::NotFound)?;
    if before.status != DataRequestStatus::Pending {
        return Err(AppError::Conflict(format!(
            "the request is {}; only a pending request can be canceled",
            before.status.as_str()
        )));
    }
    let now = Utc::now();
    let mut request = before.clone().into_active_model();
    request.status = Set(DataRequestStatus::Canceled);
    request.finished_at = Set(Some(now));
    request.updated_at = Set(now);
    let after = request.update(&tx).await?;
    journal(
        &tx,
        actor,
        change(actor, &after, AuditOperation::Update, Some(&before)),
        event(actor, &after, "data_request.canceled"),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

async fn open_request(
    db: &impl ConnectionTrait,
    subject: Uuid,
    kind: DataRequestType,
    dry_run: bool,
) -> Result<Option<gdpr_requests::Model>, DbErr> {
    gdpr_requests::Entity::find()
        .filter(gdpr_requests::Column::SubjectUserId.eq(subject))
        .filter(gdpr_requests::Column::RequestType.eq(kind))
        .filter(gdpr_requests::Column::DryRun.eq(dry_run))
        .filter(
            gdpr_requests::Column::Status
                .is_in([DataRequestStatus::Pending, DataRequestStatus::Processing]),
        )
        .one(db)
        .await
}

fn change(
    actor: Actor<'_>,
    request: &gdpr_requests::Model,
    operation: AuditOperation,
    before: Option<&gdpr_requests::Model>,
) -> Change {
    Change {
        organization_id: None,
        actor_user_id: Some(actor.user_id()),
        table_name: "gdpr_requests",
        record_id: request.id.to_string(),
        operation,
        old_values: before.and_then(summary),
        new_values: summary(request),
    }
}

/// What the audit keeps of a request: what was asked, about whom (by id) and how it stands.
fn summary(request: &gdpr_requests::Model) -> Option<serde_json::Value> {
    values(&json!({
        "request_type": request.request_type,
        "subject_user_id": request.subject_user_id,
        "dry_run": request.dry_run,
        "status": request.status,
    }))
}

fn event(actor: Actor<'_>, request: &gdpr_requests::Model, event_type: &'static str) -> NewEvent {
    NewEvent {
        organization_id: None,
        actor_user_id: Some(actor.user_id()),
        aggregate_type: "data_request",
        aggregate_id: request.id,
        event_type,
        payload: json!({ "request_type": request.request_type, "status": request.status }),
    }
}
