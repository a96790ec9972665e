//! Re-roling and removing members, and leaving an organisation. People join by invitation
//! (`service::invitations`).

use chrono::Utc;
use entity::enums::{AuditOperation, MemberRole, MemberStatus};
use entity::organization_members;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, ModelTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{Actor, begin, journal, require_role, twins, values};
use crate::audit::Change;
use crate::db::reference::Reference;
use crate::domain::membership::{self, Refusal};
use crate::error::AppError;
use crate::events::NewEvent;

/// Gives a member another role. Admins and owners, within their own strength; the last owner
/// stays an owner.
pub async fn change_role(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    membership_id: Uuid,
    role: MemberRole,
) -> Result<organization_members::Model, AppError> {
    let tx = begin(db).await?;
    let (before, actor_role) = target(&tx, actor, membership_id, MemberRole::Admin).await?;
    let owners = active_owners(&tx, before.organization_id).await?;
    membership::may_change(actor_role, before.role, Some(role), owners).map_err(refused)?;
    let mut member = before.clone().into_active_model();
    member.role = Set(role);
    member.updated_at = Set(Utc::now());
    let after = member.update(&tx).await?;
    journal(
        &tx,
        actor,
        change(
            actor,
            &after,
            AuditOperation::Update,
            Some(&before),
            Some(&after),
        ),
        event(
            actor,
            &after,
            "member.role_changed",
            json!({ "from": before.role, "to": after.role }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes a member. Admins and owners, within their own strength; never the last owner.
pub async fn remove(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: Actor<'_>,
    membership_id: Uuid,
) -> Result<organization_members::Model, AppError> {
    let tx = begin(db).await?;
    let (member, actor_role) = target(&tx, actor, membership_id, MemberRole::Admin).await?;
    let owners = active_owners(&tx, member.organization_id).await?;
    membership::may_change(actor_role, member.role, None, owners).map_err(refused)?;
    delete(tx, reference, actor, member, "member.removed").await
}

/// The actor leaves an organisation; the last owner cannot.
pub async fn leave(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: Actor<'_>,
    organization_id: Uuid,
) -> Result<organization_members::Model, AppError> {
    let tx = begin(db).await?;
    require_role(&tx, actor, organization_id, MemberRole::Viewer).await?;
    let member = organization_members::Entity::find()
        .filter(organization_members::Column::OrganizationId.eq(organization_id))
        .filter(organization_members::Column::UserId.eq(actor.user_id()))
        .one(&tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let owners = active_owners(&tx, organization_id).await?;
    membership::may_lose(member.role, None, owners).map_err(refused)?;
    delete(tx, reference, actor, member, "member.left").await
}

/// Deletes the membership, journals it, recomputes the twin without the member's assessments
/// and commits.
async fn delete(
    tx: DatabaseTransaction,
    reference: &Reference,
    actor: Actor<'_>,
    member: organization_members::Model,
    event_type: &'static str,
) -> Result<organization_members::Model, AppError> {
    member.clone().delete(&tx).await?;
    journal(
        &tx,
        actor,
        change(actor, &member, AuditOperation::Delete, Some(&member), None),
        event(actor, &member, event_type, json!({ "role": member.role })),
    )
    .await?;
    twins::recompute_without(
        &tx,
        reference.scale(),
        member.organization_id,
        member.user_id,
        Some(actor.user_id()),
        Utc::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(member)
}

/// The membership the actor wants to change, and the actor's role in its organisation;
/// another organisation's membership is `NOT_FOUND`, like one that never existed.
async fn target(
    tx: &DatabaseTransaction,
    actor: Actor<'_>,
    membership_id: Uuid,
    weakest: MemberRole,
) -> Result<(organization_members::Model, MemberRole), AppError> {
    let member = organization_members::Entity::find_by_id(membership_id)
        .one(tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, role) = require_role(tx, actor, member.organization_id, weakest).await?;
    // Read again now that the organisation is locked: a concurrent change may have won.
    let member = organization_members::Entity::find_by_id(membership_id)
        .one(tx)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((member, role))
}

async fn active_owners(tx: &DatabaseTransaction, organization_id: Uuid) -> Result<u64, AppError> {
    Ok(organization_members::Entity::find()
        .filter(organization_members::Column::OrganizationId.eq(organization_id))
        .filter(organization_members::Column::Role.eq(MemberRole::Owner))
        .filter(organization_members::Column::Status.eq(MemberStatus::Active))
        .count(tx)
        .await?)
}

/// A membership rule broken, as the client is told.
pub(super) fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::LastOwner => AppError::Conflict(refusal.message().to_owned()),
        Refusal::GrantsStrongerRole | Refusal::TargetIsStronger => {
            AppError::Refused(refusal.message().to_owned())
        }
    }
}

/// The audit row of a change to a membership.
pub(super) fn change(
    actor: Actor<'_>,
    member: &organization_members::Model,
    operation: AuditOperation,
    before: Option<&organization_members::Model>,
    after: Option<&organization_members::Model>,
) -> Change {
    Change {
        organization_id: Some(member.organization_id),
        actor_user_id: Some(actor.user_id()),
        table_name: "organization_members",
        record_id: member.id.to_string(),
        operation,
        old_values: before.and_then(values),
        new_values: after.and_then(values),
    }
}

/// The event of a change to a membership; its payload gains the membership's and person's ids.
pub(super) fn event(
    actor: Actor<'_>,
    member: &organization_members::Model,
    event_type: &'static str,
    mut payload: serde_json::Value,
) -> NewEvent {
    payload["membership_id"] = json!(member.id);
    payload["user_id"] = json!(member.user_id);
    NewEvent {
        organization_id: Some(member.organization_id),
        actor_user_id: Some(actor.user_id()),
        aggregate_type: "membership",
        aggregate_id: member.id,
        event_type,
        payload,
    }
}
