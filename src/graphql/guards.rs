//! Field guards: the one mechanism that checks, on every field that reaches organisation data,
//! that the viewer is a member (and, where the design says so, holds a role), and that guards
//! personal fields. Objects only ever come from scoped reads, so these guards are the second
//! wall, not the first.

use std::sync::Arc;

use async_graphql::{Context, Guard, Result};
use entity::enums::MemberRole;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::auth::viewer::{self as auth, Credentials, Viewer};
use crate::db::loaders::{Loaders, PersonalDataOf};
use crate::db::reference::Reference;
use crate::error::AppError;

/// Who is asking, for the length of one request: the token's user, and their memberships once
/// a role check needed them. A read needs no more than the token, because its statements check
/// membership themselves; a mutation may change the viewer's own memberships (creating an
/// organisation makes them its owner), so each mutation reads them again before its payload.
pub struct Session {
    credentials: Credentials,
    /// `None` until read; then `Some(None)` for a user who is not (or no longer) active.
    viewer: Mutex<Option<Option<Arc<Viewer>>>>,
}

impl Session {
    /// The session of a request that presented `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            viewer: Mutex::new(None),
        }
    }
}

fn session<'a>(ctx: &Context<'a>) -> Result<&'a Session, AppError> {
    ctx.data::<Session>().map_err(|_| AppError::Unauthenticated)
}

/// The user the request's token names, without reading the database; `UNAUTHENTICATED` without
/// a valid token.
pub fn signed_in(ctx: &Context<'_>) -> Result<Uuid, AppError> {
    session(ctx)?.credentials.user()
}

/// The request's viewer with their memberships (read once per request, on first need), or
/// `UNAUTHENTICATED` for a missing or bad token and for a user who is not active.
pub async fn viewer(ctx: &Context<'_>) -> Result<Arc<Viewer>, AppError> {
    let session = session(ctx)?;
    let user_id = session.credentials.user()?;
    let mut viewer = session.viewer.lock().await;
    let viewer = match &mut *viewer {
        Some(viewer) => viewer.clone(),
        unread => unread.insert(read_viewer(ctx, user_id).await?).clone(),
    };
    viewer.ok_or(AppError::Unauthenticated)
}

/// The user's memberships as the database has them now; `None` for a user who is not active.
async fn read_viewer(ctx: &Context<'_>, user_id: Uuid) -> Result<Option<Arc<Viewer>>, AppError> {
    let viewer = auth::load(loaders(ctx)?.loader().db(), user_id).await?;
    Ok(viewer.map(Arc::new))
}

/// What a root field found nothing for: either nothing visible, or a token whose user is not
/// (or no longer) active, which is `UNAUTHENTICATED`. Only the empty answer pays for telling
/// them apart.
pub async fn found_nothing(ctx: &Context<'_>) -> Result<(), AppError> {
    viewer(ctx).await.map(drop)
}

/// Reads the viewer's memberships again and forgets the rows the request read before.
pub async fn refresh_viewer(ctx: &Context<'_>) -> Result<(), AppError> {
    let session = session(ctx)?;
    let read = read_viewer(ctx, session.credentials.user()?).await?;
    loaders(ctx)?.loader().forget();
    *session.viewer.lock().await = Some(read);
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
        if let Some(organization) = self.organization_id
            && self.weakest == MemberRole::Viewer
            && loaders(ctx)?.loader().has_read_from(organization)
        {
            // A scoped statement of this request returned this organisation's rows: the
            // database has just checked the membership this guard asks for.
            return Ok(());
        }
        let viewer = viewer(ctx).await?;
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
        if signed_in(ctx)? == self.0 {
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
