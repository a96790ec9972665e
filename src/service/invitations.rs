//! Inviting people to an organisation, and their answers. Nobody becomes a member by another's
//! hand: an admin invites an email address, and the person who holds that address (signed in,
//! with the invitation's token) accepts. Until then the organisation learns nothing of them;
//! an invitation reads the same whether or not the address has an account.

use chrono::{DateTime, Utc};
use entity::enums::{AuditOperation, InvitationStatus, MemberRole, MemberStatus};
use entity::{organization_invitations as invitations, organization_members, users};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Actor, ClientMutationId, begin, conflict_on_unique, invalid, journal, lock_organization,
    members, require_role,
};
use crate::audit::{self, Change};
use crate::domain::invitation::{self, Refusal};
use crate::domain::membership;
use crate::domain::validation;
use crate::error::AppError;
use crate::events::NewEvent;

/// Whom to invite, as what.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: String,
    pub role: MemberRole,
    pub department: Option<String>,
    /// A note from the inviter to the invitee.
    pub message: Option<String>,
    /// How many days it stays open; [`invitation::DEFAULT_DAYS`] when `None`.
    pub days: Option<i32>,
}

/// An invitation and, when this call made one, its token: the only time it is shown.
#[derive(Debug, Clone)]
pub struct Issued {
    pub invitation: invitations::Model,
    /// `None` when a repeated request returns the invitation an earlier one made.
    pub token: Option<String>,
}

/// Invites an email address to an organisation. Admins and owners, never to a role stronger
/// than their own; one open invitation per address.
pub async fn invite(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    organization_id: Uuid,
    input: NewInvitation,
    client: ClientMutationId<'_>,
) -> Result<Issued, AppError> {
    let email = validation::email(&input.email).map_err(invalid("input.email"))?;
    let department = validation::optional_text(input.department.as_deref(), 100)
        .map_err(invalid("input.department"))?;
    let message = validation::optional_text(input.message.as_deref(), 1000)
        .map_err(invalid("input.message"))?;
    let validity = invitation::validity(input.days).map_err(invalid("input.expiresInDays"))?;
    let tx = begin(db).await?;
    let (organization, actor_role) =
        require_role(&tx, actor, organization_id, MemberRole::Admin).await?;
    if let Some(id) = client.previous(&tx, actor.user_id()).await? {
        let invitation = find(&tx, id).await?.ok_or(AppError::NotFound)?;
        return Ok(Issued {
            invitation,
            token: None,
        });
    }
    membership::may_grant(actor_role, input.role).map_err(members::refused)?;
    // Only the organisation's own members are looked up: it knows them already.
    if is_member(&tx, organization.id, &email).await? {
        return Err(AppError::Conflict(
            "this person is a member of the organisation already".into(),
        ));
    }
    let now = Utc::now();
    close_expired(&tx, actor, organization.id, &email, now).await?;
    let token = invitation::new_token().map_err(|error| AppError::Internal(error.into()))?;
    let created = invitations::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization.id),
        inviter_id: Set(Some(actor.user_id())),
        invitee_email: Set(email),
        role: Set(input.role),
        department: Set(department),
        custom_message: Set(message),
        token_hash: Set(invitation::token_hash(&token)),
        status: Set(InvitationStatus::Pending),
        expires_at: Set(now + validity),
        responded_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await
    .map_err(conflict_on_unique(
        "an invitation to this address is open already; resend it instead",
    ))?;
    record(&tx, actor, None, &created, "invitation.created").await?;
    client.keep(&tx, actor.user_id(), created.id).await?;
    tx.commit().await?;
    Ok(Issued {
        invitation: created,
        token: Some(token),
    })
}

/// Sends an unanswered invitation again: a new token (the old one stops working) and a new
/// expiry. Admins and owners.
pub async fn resend(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    invitation_id: Uuid,
    days: Option<i32>,
) -> Result<Issued, AppError> {
    let validity = invitation::validity(days).map_err(invalid("input.expiresInDays"))?;
    let tx = begin(db).await?;
    let before = administered(&tx, actor, invitation_id).await?;
    let token = invitation::new_token().map_err(|error| AppError::Internal(error.into()))?;
    let now = Utc::now();
    let mut changed = before.clone().into_active_model();
    changed.token_hash = Set(invitation::token_hash(&token));
    changed.status = Set(InvitationStatus::Pending);
    changed.expires_at = Set(now + validity);
    changed.updated_at = Set(now);
    let after = changed.update(&tx).await.map_err(conflict_on_unique(
        "another invitation to this address is open; resend that one",
    ))?;
    record(&tx, actor, Some(&before), &after, "invitation.resent").await?;
    tx.commit().await?;
    Ok(Issued {
        invitation: after,
        token: Some(token),
    })
}

/// Withdraws an unanswered invitation; its token stops working. Admins and owners.
pub async fn revoke(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    invitation_id: Uuid,
) -> Result<invitations::Model, AppError> {
    let tx = begin(db).await?;
    let before = administered(&tx, actor, invitation_id).await?;
    let after = close(&tx, &before, InvitationStatus::Revoked, Some(Utc::now())).await?;
    record(&tx, actor, Some(&before), &after, "invitation.revoked").await?;
    tx.commit().await?;
    Ok(after)
}

/// The signed-in invitee accepts with the token they were sent, and becomes a member in the
/// role they were invited to. A token that is unknown, or addressed to someone else, is
/// `NOT_FOUND`: a copied link is of no use to another account.
pub async fn accept(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    token: &str,
) -> Result<(organization_members::Model, invitations::Model), AppError> {
    let token_hash = invitation::token_hash(token.trim());
    let tx = begin(db).await?;
    let found = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(token_hash))
        .one(&tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = addressed_to_actor(&tx, actor, found.id).await?;
    let now = Utc::now();
    invitation::may_answer(before.status, before.expires_at, now).map_err(closed)?;
    let member = organization_members::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(before.organization_id),
        user_id: Set(actor.user_id()),
        role: Set(before.role),
        department: Set(before.department.clone()),
        status: Set(MemberStatus::Active),
        joined_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await
    .map_err(conflict_on_unique(
        "you are a member of this organisation already",
    ))?;
    let after = close(&tx, &before, InvitationStatus::Accepted, Some(now)).await?;
    audit::append(
        &tx,
        actor.pseudonymizer,
        change(actor, Some(&before), &after),
        actor.request,
    )
    .await?;
    journal(
        &tx,
        actor,
        members::change(actor, &member, AuditOperation::Insert, None, Some(&member)),
        members::event(
            actor,
            &member,
            "member.joined",
            json!({ "role": member.role, "invitation_id": after.id }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((member, after))
}

/// The signed-in invitee turns an open invitation down.
pub async fn decline(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    invitation_id: Uuid,
) -> Result<invitations::Model, AppError> {
    let tx = begin(db).await?;
    let before = addressed_to_actor(&tx, actor, invitation_id).await?;
    let now = Utc::now();
    invitation::may_answer(before.status, before.expires_at, now).map_err(closed)?;
    let after = close(&tx, &before, InvitationStatus::Declined, Some(now)).await?;
    record(&tx, actor, Some(&before), &after, "invitation.declined").await?;
    tx.commit().await?;
    Ok(after)
}

/// The invitation, with its organisation locked, if the actor administers that organisation
/// and may reissue it: nobody reissues an invitation to a role stronger than their own.
async fn administered(
    tx: &DatabaseTransaction,
    actor: Actor<'_>,
    invitation_id: Uuid,
) -> Result<invitations::Model, AppError> {
    let found = find(tx, invitation_id).await?.ok_or(AppError::NotFound)?;
    let (_, role) = require_role(tx, actor, found.organization_id, MemberRole::Admin).await?;
    // Read again now that the organisation is locked: a concurrent answer may have won.
    let invitation = find(tx, invitation_id).await?.ok_or(AppError::NotFound)?;
    membership::may_grant(role, invitation.role).map_err(members::refused)?;
    invitation::may_reissue(invitation.status).map_err(closed)?;
    Ok(invitation)
}

/// The invitation, with its organisation locked, if it is addressed to the actor's email;
/// `NOT_FOUND` otherwise, as for one that never existed.
async fn addressed_to_actor(
    tx: &DatabaseTransaction,
    actor: Actor<'_>,
    invitation_id: Uuid,
) -> Result<invitations::Model, AppError> {
    let found = find(tx, invitation_id).await?.ok_or(AppError::NotFound)?;
    let email = users::Entity::find_by_id(actor.user_id())
        .one(tx)
        .await?
        .map(|user| user.email)
        .unwrap_or_default();
    if !invitation::addressed_to(&found.invitee_email, &email) {
        return Err(AppError::NotFound);
    }
    lock_organization(tx, found.organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    find(tx, invitation_id).await?.ok_or(AppError::NotFound)
}

async fn find(tx: &DatabaseTransaction, id: Uuid) -> Result<Option<invitations::Model>, AppError> {
    Ok(invitations::Entity::find_by_id(id).one(tx).await?)
}

/// Whether someone with this email is a member of the organisation.
async fn is_member(
    tx: &DatabaseTransaction,
    organization_id: Uuid,
    email: &str,
) -> Result<bool, AppError> {
    let member = organization_members::Entity::find()
        .inner_join(users::Entity)
        .filter(organization_members::Column::OrganizationId.eq(organization_id))
        .filter(
            Expr::expr(Func::lower(Expr::col((
                users::Entity,
                users::Column::Email,
            ))))
            .eq(email),
        )
        .one(tx)
        .await?;
    Ok(member.is_some())
}

/// Marks an open invitation to `email` that has run out as expired, so a new one can be made.
async fn close_expired(
    tx: &DatabaseTransaction,
    actor: Actor<'_>,
    organization_id: Uuid,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let open = invitations::Entity::find()
        .filter(invitations::Column::OrganizationId.eq(organization_id))
        .filter(invitations::Column::InviteeEmail.eq(email))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending))
        .filter(invitations::Column::ExpiresAt.lte(now))
        .one(tx)
        .await?;
    if let Some(before) = open {
        let after = close(tx, &before, InvitationStatus::Expired, None).await?;
        record(tx, actor, Some(&before), &after, "invitation.expired").await?;
    }
    Ok(())
}

/// Sets an invitation's final status.
async fn close(
    tx: &DatabaseTransaction,
    before: &invitations::Model,
    status: InvitationStatus,
    responded_at: Option<DateTime<Utc>>,
) -> Result<invitations::Model, AppError> {
    let mut changed = before.clone().into_active_model();
    changed.status = Set(status);
    changed.responded_at = Set(responded_at);
    changed.updated_at = Set(Utc::now());
    Ok(changed.update(tx).await?)
}

fn closed(refusal: Refusal) -> AppError {
    AppError::Conflict(refusal.message())
}

/// Journals a change to an invitation with its event.
async fn record(
    tx: &DatabaseTransaction,
    actor: Actor<'_>,
    before: Option<&invitations::Model>,
    after: &invitations::Model,
    event_type: &'static str,
) -> Result<(), AppError> {
    let event = NewEvent {
        organization_id: Some(after.organization_id),
        actor_user_id: Some(actor.user_id()),
        aggregate_type: "invitation",
        aggregate_id: after.id,
        event_type,
        payload: json!({ "invitation_id": after.id, "role": after.role, "status": after.status }),
    };
    journal(tx, actor, change(actor, before, after), event).await
}

fn change(
    actor: Actor<'_>,
    before: Option<&invitations::Model>,
    after: &invitations::Model,
) -> Change {
    Change {
        organization_id: Some(after.organization_id),
        actor_user_id: Some(actor.user_id()),
        table_name: "organization_invitations",
        record_id: after.id.to_string(),
        operation: if before.is_some() {
            AuditOperation::Update
        } else {
            AuditOperation::Insert
        },
        old_values: before.map(audited),
        new_values: Some(audited(after)),
    }
}

/// What the audit log keeps of an invitation: the address under the key the pseudonymiser
/// masks, and neither the token's hash (a secret's stand-in) nor the free-text message.
fn audited(invitation: &invitations::Model) -> Value {
    json!({
        "id": invitation.id,
        "organization_id": invitation.organization_id,
        "inviter_id": invitation.inviter_id,
        "email": invitation.invitee_email,
        "role": invitation.role,
        "department": invitation.department,
        "status": invitation.status,
        "expires_at": invitation.expires_at,
        "responded_at": invitation.responded_at,
    })
}
