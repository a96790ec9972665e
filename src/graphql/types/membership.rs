//! `Membership`: one person in one organisation, in one role.

use std::sync::Arc;

use async_graphql::{Context, ID, Lookahead, Object, Result};
use chrono::{DateTime, Utc};

use super::{Organization, User, joined_or_load, related};
use crate::db::memberships::{self, MembershipJoins};
use crate::db::organizations::OrganizationKey;
use crate::db::users::UserKey;
use crate::graphql::enums::{MemberRole, MemberStatus};
use crate::graphql::guards::OrganizationRole;
use crate::graphql::id::NodeKind;

/// A person's place in an organisation.
pub struct Membership(pub Arc<memberships::Membership>);

impl Membership {
    /// The to-one rows a selection of a membership's fields shows.
    pub fn joins(selection: &Lookahead<'_>) -> MembershipJoins {
        MembershipJoins {
            user: selection.field("user").exists(),
        }
    }
}

impl From<entity::organization_members::Model> for Membership {
    fn from(row: entity::organization_members::Model) -> Self {
        Self(Arc::new((&row).into()))
    }
}

/// A person's place in an organisation: their role, department and status. Every member of
/// the organisation can read its memberships.
#[Object(guard = "OrganizationRole::member_of(self.0.row.organization_id)")]
impl Membership {
    /// The membership's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::Membership.id(self.0.row.id)
    }

    /// The role the person holds.
    async fn role(&self) -> MemberRole {
        self.0.row.role.into()
    }

    /// The person's department, if given.
    async fn department(&self) -> Option<&str> {
        self.0.row.department.as_deref()
    }

    /// Where the membership stands.
    async fn status(&self) -> MemberStatus {
        self.0.row.status.into()
    }

    /// When the person joined.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.row.joined_at
    }

    /// The organisation.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        let key = OrganizationKey(
            self.0.row.organization_id,
            Organization::joins(&ctx.look_ahead()),
        );
        Ok(Organization(related(ctx, key).await?))
    }

    /// The person; `null` once their account is deleted (the membership stays for the
    /// organisation's history).
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let person = UserKey(self.0.row.user_id);
        let person = joined_or_load(ctx, &self.0.user, person).await?;
        Ok(person.map(User))
    }
}
