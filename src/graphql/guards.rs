//! Field guards: the one mechanism that checks, on every field that reaches organisation data,
//! that the viewer is a member (and, where the design says so, holds a role), and that guards
//! personal fields. Objects only ever come from scoped reads, so these guards are the second
//! wall, not the first.

use std::sync::Arc;

use async_graphql::{Context, Guard, Result};
use entity::enums::MemberRole;
use uuid::Uuid;

use crate::auth::viewer::{Authentication, Viewer};
use crate::db::loaders::{Loaders, PersonalDataOf};
use crate::error::AppError;

/// The request's viewer, or `UNAUTHENTICATED`.
pub fn viewer<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Viewer>, AppError> {
    ctx.data::<Authentication>()
        .map_err(|_| AppError::Unauthenticated)?
        .viewer()
}

/// The request's loaders.
pub fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a Loaders, AppError> {
    ctx.data::<Loaders>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no loaders in the request data")))
}

/// Passes when the viewer holds at least `weakest` in the organisation (or is a platform admin).
pub struct OrganizationRole {
    organization_id: Option<Uuid>,
    weakest: MemberRole,
}

impl OrganizationRole {
    /// Any member of the organisation.
    pub fn member_of(organization_id: impl Into<Option<Uuid>>) -> Self {
        Self::at_least(MemberRole::Viewer, organization_id)
    }

    /// A member holding `weakest` or a stronger role.
    pub fn at_least(weakest: MemberRole, organization_id: impl Into<Option<Uuid>>) -> Self {
        Self {
            organization_id: organization_id.into(),
            weakest,
        }
    }
}

impl Guard for OrganizationRole {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let viewer = viewer(ctx)?;
        let allowed = viewer.is_platform_admin()
            || self.organization_id.is_some_and(|organization| {
                viewer
                    .role_in(organization)
                    .is_some_and(|role| role.is_at_least(self.weakest))
            });
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden.into())
        }
    }
}

/// Passes when the viewer may read a person's personal data: the person themselves, an owner
/// or admin of an organisation they share, or a platform admin.
pub struct PersonalData(pub Uuid);

impl Guard for PersonalData {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let viewer = viewer(ctx)?;
        if viewer.user_id == self.0 {
            return Ok(());
        }
        let readable = loaders(ctx)?
            .load_one(PersonalDataOf(self.0))
            .await
            .map_err(AppError::from)?;
        if readable == Some(true) {
            Ok(())
        } else {
            Err(AppError::Forbidden.into())
        }
    }
}
