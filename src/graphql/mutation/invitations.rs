//! `inviteMember`, `resendInvitation`, `revokeInvitation`, `acceptInvitation`,
//! `declineInvitation`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::MemberRole as StoredRole;
use uuid::Uuid;

use super::Mutating;
use super::organizations::organization_key;
use crate::db::invitations::InvitationKey;
use crate::error::AppError;
use crate::graphql::enums::MemberRole;
use crate::graphql::guards::{RoleOver, Target, refresh_viewer};
use crate::graphql::id::{GlobalId, NodeKind};
use crate::graphql::types::{Invitation, Membership, related};
use crate::service::ClientMutationId;
use crate::service::invitations::{self, Issued, NewInvitation};

/// Whom to invite, to which organisation, as what.
#[derive(InputObject)]
pub struct InviteMemberInput {
    /// Repeat an invitation with the same id to get the first result back (without its
    /// token, which is shown once).
    pub client_mutation_id: Option<String>,
    /// The organisation to invite to.
    pub organization_id: ID,
    /// The invitee's email address.
    pub email: String,
    /// The role they get on accepting; never stronger than the viewer's own.
    pub role: MemberRole,
    /// The department they join.
    pub department: Option<String>,
    /// A note to the invitee, up to 1,000 characters.
    pub message: Option<String>,
    /// How many days the invitation stays open: 1 to 30, 7 by default.
    pub expires_in_days: Option<i32>,
}

/// An invitation made or sent again, with its token.
#[derive(SimpleObject)]
pub struct InvitationTokenPayload {
    /// The id the client sent.
    pub client_mutation_id: Option<String>,
    /// The invitation.
    pub invitation: Invitation,
    /// The single-use token to send the invitee, who passes it to `acceptInvitation`. Shown
    /// only here and never stored; `null` when a repeated request returns an earlier
    /// invitation (resend it for a new token).
    pub token: Option<String>,
}

/// An invitation to send again.
#[derive(InputObject)]
pub struct ResendInvitationInput {
    /// The invitation.
    pub invitation_id: ID,
    /// How many days it stays open from now: 1 to 30, 7 by default.
    pub expires_in_days: Option<i32>,
}

/// An invitation to act on.
#[derive(InputObject)]
pub struct InvitationInput {
    /// The invitation.
    pub invitation_id: ID,
}

/// An invitation as it is now.
#[derive(SimpleObject)]
pub struct InvitationPayload {
    /// The invitation.
    pub invitation: Invitation,
}

/// The token an invitee was sent.
#[derive(InputObject)]
pub struct AcceptInvitationInput {
    /// The token, as `inviteMember` or `resendInvitation` returned it.
    pub token: String,
}

/// The membership the invitee now holds.
#[derive(SimpleObject)]
pub struct AcceptInvitationPayload {
    /// The new membership.
    pub membership: Membership,
    /// The accepted invitation.
    pub invitation: Invitation,
}

#[derive(Default)]
pub struct InvitationMutations;

#[Object]
impl InvitationMutations {
    /// Invites an email address to join an organisation. Admins and owners. Nothing of the
    /// invitee is visible until they accept, and the answer is the same whether or not the
    /// address has an account.
    #[graphql(
        guard = "RoleOver::new(Target::Organization(input.organization_id.clone()), StoredRole::Admin, \"input.organizationId\")"
    )]
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whom to invite, to which organisation, in which role.")]
        input: InviteMemberInput,
    ) -> Result<InvitationTokenPayload> {
        let mutating = Mutating::of(ctx).await?;
        let organization = organization_key(&input.organization_id)?;
        let client = ClientMutationId {
            mutation: "inviteMember",
            id: input.client_mutation_id.as_deref(),
            request: serde_json::json!({
                "organization_id": input.organization_id.as_str(),
                "email": input.email.trim().to_lowercase(),
                "role": StoredRole::from(input.role).as_str(),
                "department": input.department,
            }),
        };
        let new = NewInvitation {
            email: input.email,
            role: input.role.into(),
            department: input.department,
            message: input.message,
            days: input.expires_in_days,
        };
        let issued =
            invitations::invite(mutating.db, mutating.actor(), organization, new, client).await?;
        token_payload(ctx, input.client_mutation_id, issued).await
    }

    /// Sends an unanswered invitation again with a new token (the old one stops working) and
    /// a new expiry. Admins and owners.
    #[graphql(
        guard = "RoleOver::new(Target::Invitation(input.invitation_id.clone()), StoredRole::Admin, \"input.invitationId\")"
    )]
    async fn resend_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation and how long it stays open.")]
        input: ResendInvitationInput,
    ) -> Result<InvitationTokenPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = invitation_key(&input.invitation_id)?;
        let issued =
            invitations::resend(mutating.db, mutating.actor(), id, input.expires_in_days).await?;
        token_payload(ctx, None, issued).await
    }

    /// Withdraws an unanswered invitation; its token stops working. Admins and owners.
    #[graphql(
        guard = "RoleOver::new(Target::Invitation(input.invitation_id.clone()), StoredRole::Admin, \"input.invitationId\")"
    )]
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation to withdraw.")] input: InvitationInput,
    ) -> Result<InvitationPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = invitation_key(&input.invitation_id)?;
        let revoked = invitations::revoke(mutating.db, mutating.actor(), id).await?;
        Ok(InvitationPayload {
            invitation: reread(ctx, revoked.id).await?,
        })
    }

    /// The viewer accepts an invitation addressed to their email, with the token they were
    /// sent, and joins the organisation. An unknown token, or one addressed to someone else,
    /// is `NOT_FOUND`; an expired or answered one is a `CONFLICT`.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token the viewer was sent.")] input: AcceptInvitationInput,
    ) -> Result<AcceptInvitationPayload> {
        let mutating = Mutating::of(ctx).await?;
        let (member, accepted) =
            invitations::accept(mutating.db, mutating.actor(), &input.token).await?;
        refresh_viewer(ctx)?;
        Ok(AcceptInvitationPayload {
            membership: member.into(),
            invitation: reread(ctx, accepted.id).await?,
        })
    }

    /// The viewer turns down an open invitation addressed to them.
    async fn decline_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation to turn down.")] input: InvitationInput,
    ) -> Result<InvitationPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = invitation_key(&input.invitation_id)?;
        let declined = invitations::decline(mutating.db, mutating.actor(), id).await?;
        Ok(InvitationPayload {
            invitation: reread(ctx, declined.id).await?,
        })
    }
}

async fn token_payload(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    issued: Issued,
) -> Result<InvitationTokenPayload> {
    Ok(InvitationTokenPayload {
        client_mutation_id,
        invitation: reread(ctx, issued.invitation.id).await?,
        token: issued.token,
    })
}

/// The invitation as the viewer now reads it, with every row read again.
async fn reread(ctx: &Context<'_>, id: Uuid) -> Result<Invitation, AppError> {
    refresh_viewer(ctx)?;
    Ok(Invitation(related(ctx, InvitationKey(id)).await?))
}

fn invitation_key(id: &ID) -> Result<Uuid> {
    Ok(GlobalId::decode_as(
        id,
        NodeKind::Invitation,
        "input.invitationId",
    )?)
}
