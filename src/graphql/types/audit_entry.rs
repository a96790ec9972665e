//! `AuditEntry`: one recorded change. Owners and admins only.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::MemberRole;

use super::{Organization, User, load};
use crate::db::audit;
use crate::db::organizations::OrganizationKey;
use crate::db::users::UserKey;
use crate::graphql::enums::AuditOperation;
use crate::graphql::guards::OrganizationRole;
use crate::graphql::id::NodeKind;

/// Who changed what, and when. Personal values are stored hashed or masked.
pub struct AuditEntry(pub Arc<audit::AuditEntry>);

/// One change recorded in an organisation's append-only audit log: who changed which row,
/// when, and the values before and after (personal values hashed or masked). Only owners and
/// admins of the organisation (and platform admins) read it.
#[Object(guard = "OrganizationRole::at_least(MemberRole::Admin, self.0.organization_id)")]
impl AuditEntry {
    /// The entry's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::AuditEntry.id(&self.0.hash)
    }

    /// The entry's place in its organisation's log, counted from 1 with no gaps: other
    /// organisations' changes do not move it. `null` for a platform-wide entry.
    async fn sequence(&self) -> Option<i64> {
        self.0.organization_sequence
    }

    /// When the change was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Who made it; `null` for the system or a person the viewer cannot see.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(actor) = self.0.actor_user_id else {
            return Ok(None);
        };
        Ok(load(ctx, UserKey(actor)).await?.map(User))
    }

    /// The table changed.
    async fn table_name(&self) -> &str {
        &self.0.table_name
    }

    /// The key of the row changed.
    async fn record_id(&self) -> Option<&str> {
        self.0.record_id.as_deref()
    }

    /// The kind of change.
    async fn operation(&self) -> AuditOperation {
        self.0.operation.into()
    }

    /// The values before the change.
    async fn old_values(&self) -> Option<Json<serde_json::Value>> {
        self.0.old_values.as_ref().map(super::json)
    }

    /// The values after the change.
    async fn new_values(&self) -> Option<Json<serde_json::Value>> {
        self.0.new_values.as_ref().map(super::json)
    }

    /// The request that made the change.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The organisation.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(organization) = self.0.organization_id else {
            return Ok(None);
        };
        let key = OrganizationKey(organization, Organization::joins(&ctx.look_ahead()));
        Ok(load(ctx, key).await?.map(Organization))
    }
}
