//! `Membership`: one person in one organisation, in one role.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::organization_members;

use super::{Organization, User, related};
use crate::db::loaders::{OrganizationById, UserById};
use crate::graphql::enums::{MemberRole, MemberStatus};
use crate::graphql::guards::OrganizationRole;
use crate::graphql::id::NodeKind;

/// A person's place in an organisation.
pub struct Membership(pub Arc<organization_members::Model>);

#[Object(guard = "OrganizationRole::member_of(self.0.organization_id)")]
impl Membership {
    /// The membership's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::Membership.id(self.0.id)
    }

    /// The role the person holds.
    async fn role(&self) -> MemberRole {
        self.0.role.into()
    }

    /// The person's department, if given.
    async fn department(&self) -> Option<&str> {
        self.0.department.as_deref()
    }

    /// Where the membership stands.
    async fn status(&self) -> MemberStatus {
        self.0.status.into()
    }

    /// When the person joined.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.joined_at
    }

    /// The organisation.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        Ok(Organization(
            related::<OrganizationById>(ctx, self.0.organization_id).await?,
        ))
    }

    /// The person.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(related::<UserById>(ctx, self.0.user_id).await?))
    }
}
