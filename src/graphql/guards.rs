//! Field guards: the one mechanism that checks, on every field that reaches organisation data,
//! that the viewer is a member (and, where the design says so, holds a role), and that guards
//! personal fields. Objects only ever come from scoped reads, so these guards are the second
//! wall, not the first.

use std::sync::{Arc, RwLock};

use async_graphql::{Context, Guard, Result};
use entity::enums::MemberRole;
use uuid::Uuid;

use crate::auth::viewer::{self as auth, Authentication, Viewer};
use crate::db::loaders::{Loaders, PersonalDataOf};
use crate::db::reference::Reference;
use crate::db::scope::Scope;
use crate::error::AppError;

/// Who is asking, for the length of one request. A mutation may change the viewer's own
/// memberships (creating an organisation makes them its owner), so each mutation refreshes it
/// before its payload is read.
pub struct Session(RwLock<Authentication>);

impl Session {
    /// The session of a request that authenticated as `authentication`.
    pub fn new(authentication: Authentication) -> Self {
        Self(RwLock::new(authentication))
    }

    fn authentication(&self) -> Authentication {
        self.0
            .read()
            .expect("the session lock is never poisoned")
            .clone()
    }
}

/// The request's viewer, or `UNAUTHENTICATED`.
pub fn viewer(ctx: &Context<'_>) -> Result<Arc<Viewer>, AppError> {
    ctx.data::<Session>()
        .map_err(|_| AppError::Unauthenticated)?
        .authentication()
        .viewer()
        .cloned()
}

/// Reads the viewer's memberships again and rescopes the request's loaders to them.
pub async fn refresh_viewer(ctx: &Context<'_>) -> Result<(), AppError> {
    let user_id = viewer(ctx)?.user_id;
    let loaders = loaders(ctx)?;
    let authentication = auth::load(loaders.loader().db(), user_id).await?;
    loaders
        .loader()
        .rescope(Scope::for_request(&authentication));
    if let Ok(session) = ctx.data::<Session>() {
        *session
            .0
            .write()
            .expect("the session lock is never poisoned") = authentication;
    }
    Ok(())
}

/// The reference data read at start-up.
pub fn reference<'a>(ctx: &Context<'a>) -> Result<&'a Reference, AppError> {
    ctx.data::<Reference>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no reference data in the schema")))
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
    /// A member with too weak a role gets `FORBIDDEN`; anyone else `NOT_FOUND`, as if the
    /// organisation did not exist.
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let viewer = viewer(ctx)?;
        if viewer.is_platform_admin() {
            return Ok(());
        }
        let role = self
            .organization_id
            .and_then(|organization| viewer.role_in(organization));
        match role {
            Some(role) if role.is_at_least(self.weakest) => Ok(()),
            Some(_) => Err(AppError::Forbidden.into()),
            None => Err(AppError::NotFound.into()),
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

/// What a mutation acts on, by global ID; the guard finds its organisation within the
/// viewer's scope.
#[derive(Debug, Clone)]
pub enum Target {
    Organization(async_graphql::ID),
    Membership(async_graphql::ID),
    Assessment(async_graphql::ID),
}

/// Passes when the viewer holds at least `weakest` in the organisation `target` belongs to.
/// An object the viewer cannot see is `NOT_FOUND`, exactly like one that never existed.
pub struct RoleOver {
    target: Target,
    weakest: MemberRole,
    field: &'static str,
}

impl RoleOver {
    /// `weakest` or stronger over `target`, named `field` in errors (e.g. `input.organizationId`).
    pub fn new(target: Target, weakest: MemberRole, field: &'static str) -> Self {
        Self {
            target,
            weakest,
            field,
        }
    }
}

impl Guard for RoleOver {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        use super::id::{GlobalId, NodeKind};
        use super::types::find;
        use crate::db::loaders::{AssessmentById, MembershipById, OrganizationById};

        let organization = match &self.target {
            Target::Organization(id) => {
                let key = GlobalId::decode_as(id, NodeKind::Organization, self.field)?;
                find::<OrganizationById>(ctx, key).await?.map(|row| row.id)
            }
            Target::Membership(id) => {
                let key = GlobalId::decode_as(id, NodeKind::Membership, self.field)?;
                find::<MembershipById>(ctx, key)
                    .await?
                    .map(|row| row.organization_id)
            }
            Target::Assessment(id) => {
                let key = GlobalId::decode_as(id, NodeKind::Assessment, self.field)?;
                find::<AssessmentById>(ctx, key)
                    .await?
                    .map(|row| row.organization_id)
            }
        };
        let organization = organization.ok_or(AppError::NotFound)?;
        OrganizationRole::at_least(self.weakest, organization)
            .check(ctx)
            .await
    }
}
