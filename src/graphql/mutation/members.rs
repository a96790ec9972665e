//! `changeMemberRole`, `removeMember`, `leaveOrganization`. People join by invitation
//! (`mutation::invitations`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::MemberRole as StoredRole;
use uuid::Uuid;

use super::Mutating;
use super::organizations::organization_key;
use crate::graphql::enums::MemberRole;
use crate::graphql::guards::{RoleOver, Target, reference, refresh_viewer};
use crate::graphql::id::{GlobalId, NodeKind};
use crate::graphql::types::Membership;
use crate::service::members;

/// A new role for a member.
#[derive(InputObject)]
pub struct ChangeMemberRoleInput {
    /// The membership to change.
    pub membership_id: ID,
    /// The new role; never stronger than the viewer's own.
    pub role: MemberRole,
}

/// The membership as it is now.
#[derive(SimpleObject)]
pub struct ChangeMemberRolePayload {
    /// The changed membership.
    pub membership: Membership,
}

/// The membership to end.
#[derive(InputObject)]
pub struct RemoveMemberInput {
    /// The membership to end.
    pub membership_id: ID,
}

/// What was removed.
#[derive(SimpleObject)]
pub struct RemoveMemberPayload {
    /// The ended membership's ID; it no longer resolves.
    pub removed_membership_id: ID,
}

/// The organisation to leave.
#[derive(InputObject)]
pub struct LeaveOrganizationInput {
    /// The organisation to leave.
    pub organization_id: ID,
}

/// What the viewer left.
#[derive(SimpleObject)]
pub struct LeaveOrganizationPayload {
    /// The ended membership's ID.
    pub removed_membership_id: ID,
}

#[derive(Default)]
pub struct MemberMutations;

#[Object]
impl MemberMutations {
    /// Gives a member another role. Admins and owners; the last owner stays an owner.
    #[graphql(
        guard = "RoleOver::new(Target::Membership(input.membership_id.clone()), StoredRole::Admin, \"input.membershipId\")"
    )]
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership and its new role.")] input: ChangeMemberRoleInput,
    ) -> Result<ChangeMemberRolePayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = membership_key(&input.membership_id)?;
        let member =
            members::change_role(mutating.db, mutating.actor(), id, input.role.into()).await?;
        refresh_viewer(ctx)?;
        Ok(ChangeMemberRolePayload {
            membership: member.into(),
        })
    }

    /// Ends a membership. Admins and owners; never the last owner.
    #[graphql(
        guard = "RoleOver::new(Target::Membership(input.membership_id.clone()), StoredRole::Admin, \"input.membershipId\")"
    )]
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership to end.")] input: RemoveMemberInput,
    ) -> Result<RemoveMemberPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = membership_key(&input.membership_id)?;
        members::remove(mutating.db, reference(ctx)?, mutating.actor(), id).await?;
        refresh_viewer(ctx)?;
        Ok(RemoveMemberPayload {
            removed_membership_id: input.membership_id,
        })
    }

    /// The viewer leaves an organisation. Any member; never the last owner.
    #[graphql(
        guard = "RoleOver::new(Target::Organization(input.organization_id.clone()), StoredRole::Viewer, \"input.organizationId\")"
    )]
    async fn leave_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation the viewer leaves.")] input: LeaveOrganizationInput,
    ) -> Result<LeaveOrganizationPayload> {
        let mutating = Mutating::of(ctx).await?;
        let organization = organization_key(&input.organization_id)?;
        let member =
            members::leave(mutating.db, reference(ctx)?, mutating.actor(), organization).await?;
        refresh_viewer(ctx)?;
        Ok(LeaveOrganizationPayload {
            removed_membership_id: NodeKind::Membership.id(member.id),
        })
    }
}

fn membership_key(id: &ID) -> Result<Uuid> {
    Ok(GlobalId::decode_as(
        id,
        NodeKind::Membership,
        "input.membershipId",
    )?)
}
