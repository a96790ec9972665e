//! `Invitation`: an invitation to join an organisation.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::{Organization, User, load};
use crate::db::invitations;
use crate::db::organizations::OrganizationKey;
use crate::db::users::UserKey;
use crate::domain::invitation;
use crate::graphql::enums::{InvitationStatus, MemberRole};
use crate::graphql::id::NodeKind;

/// An invitation to join an organisation.
pub struct Invitation(pub Arc<invitations::Invitation>);

/// An invitation to join an organisation in a role. Its owners and admins read the
/// organisation's invitations; the invitee reads those addressed to them, and accepts one with
/// the token they were sent. Until then the organisation sees nothing of the invitee but the
/// address it typed.
#[Object]
impl Invitation {
    /// The invitation's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::Invitation.id(self.0.row.id)
    }

    /// The address invited, as the inviter typed it (lower case).
    async fn email(&self) -> &str {
        &self.0.row.invitee_email
    }

    /// The role the invitee gets on accepting.
    async fn role(&self) -> MemberRole {
        self.0.row.role.into()
    }

    /// The department the invitee joins, if the inviter gave one.
    async fn department(&self) -> Option<&str> {
        self.0.row.department.as_deref()
    }

    /// The inviter's note to the invitee.
    async fn message(&self) -> Option<&str> {
        self.0.row.custom_message.as_deref()
    }

    /// Where the invitation stands now: an open one past its expiry is `EXPIRED`.
    async fn status(&self) -> InvitationStatus {
        invitation::status_at(self.0.row.status, self.0.row.expires_at, Utc::now()).into()
    }

    /// When the invitation runs out unless it is answered.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.row.expires_at
    }

    /// When it was accepted, declined or revoked.
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.responded_at
    }

    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }

    /// The name of the organisation inviting: the invitee reads it before joining.
    async fn organization_name(&self) -> &str {
        &self.0.organization_name
    }

    /// The organisation; `null` for an invitee who is not (yet) a member.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let key = OrganizationKey(
            self.0.row.organization_id,
            Organization::joins(&ctx.look_ahead()),
        );
        Ok(load(ctx, key).await?.map(Organization))
    }

    /// Who sent it; `null` once their account is gone, or for a viewer who may not see them.
    async fn invited_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(inviter) = self.0.row.inviter_id else {
            return Ok(None);
        };
        Ok(load(ctx, UserKey(inviter)).await?.map(User))
    }
}
