//! Adding, re-roling and removing members, and leaving an organisation.

use chrono::Utc;
use entity::enums::{AuditOperation, MemberRole, MemberStatus, PlatformRole, UserStatus};
use entity::{organization_members, users};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, ModelTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Actor, ClientMutationId, begin, conflict_on_unique, invalid, journal, require_role, twins,
    values,
};
use crate::audit::Change;
use crate::db::reference::Reference;
use crate::domain::membership::{self, Refusal};
use crate::domain::validation;
use crate::error::AppError;
use crate::events::NewEvent;

/// Who to add, and as what.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub email: String,
    pub role: MemberRole,
    pub department: Option<String>,
    /// Used only when the email is new to the platform.
    pub first_name: Option<String>,
    /// Used only when the email is new to the platform.
    pub last_name: Option<String>,
}

/// Adds a person by email; an unknown email becomes a pending user with an invited membership.
/// Admins and owners, never granting a role stronger than their own.
pub async fn add(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    organization_id: Uuid,
    input: NewMember,
    client: ClientMutationId<'_>,
) -> Result<organization_members::Model, AppError> {
    let email = validation::email(&input.email).map_err(invalid("input.email"))?;
    let department = validation::optional_text(input.department.as_deref(), 100)
        .map_err(invalid("input.department"))?;
    let first_name = validation::optional_text(input.first_name.as_deref(), 100)
        .map_err(invalid("input.firstName"))?;
    let last_name = validation::optional_text(input.last_name.as_deref(), 100)
        .map_err(invalid("input.lastName"))?;
    let tx = begin(db).await?;
    let (organization, actor_role) =
        require_role(&tx, actor, organization_id, MemberRole::Admin).await?;
    if let Some(id) = client.previous(&tx, actor.user_id()).await? {
        return organization_members::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(AppError::NotFound);
    }
    membership::may_grant(actor_role, input.role).map_err(refused)?;
    let now = Utc::now();
    let user = match find_user_by_email(&tx, &email).await? {
        Some(user) => user,
        None => {
            let local_part = email.split('@').next().unwrap_or_default().to_owned();
            users::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(email),
                first_name: Set(first_name.unwrap_or(local_part)),
                last_name: Set(last_name.unwrap_or_default()),
                phone: Set(None),
                title: Set(None),
                timezone: Set(None),
                linkedin_url: Set(None),
                profile_pic_url: Set(None),
                platform_role: Set(PlatformRole::User),
                status: Set(UserStatus::Pending),
                anonymized_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                deleted_at: Set(None),
            }
            .insert(&tx)
            .await?
        }
    };
    let status = if user.status == UserStatus::Pending {
        MemberStatus::Invited
    } else {
        MemberStatus::Active
    };
    let member = organization_members::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization.id),
        user_id: Set(user.id),
        role: Set(input.role),
        department: Set(department),
        status: Set(status),
        joined_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await
    .map_err(conflict_on_unique("this person is already a member"))?;
    journal(
        &tx,
        actor,
        change(actor, &member, AuditOperation::Insert, None, Some(&member)),
        event(
            actor,
            &member,
            "member.added",
            json!({ "role": member.role, "status": member.status }),
        ),
    )
    .await?;
    client.keep(&tx, actor.user_id(), member.id).await?;
    tx.commit().await?;
    Ok(member)
}

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

async fn find_user_by_email(
    tx: &DatabaseTransaction,
    email: &str,
) -> Result<Option<users::Model>, AppError> {
    Ok(users::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col(users::Column::Email))).eq(email))
        .filter(users::Column::DeletedAt.is_null())
        .one(tx)
        .await?)
}

fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::LastOwner => AppError::Conflict(refusal.message().to_owned()),
        Refusal::GrantsStrongerRole | Refusal::TargetIsStronger => {
            AppError::Refused(refusal.message().to_owned())
        }
    }
}

fn change(
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

fn event(
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
