//! Who is asking: the user a verified token names, with memberships read from the database on
//! every request, so a removed member loses access on the very next request.

use std::collections::HashMap;
use std::sync::Arc;

use entity::enums::{MemberRole, PlatformRole};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::token::TokenKeys;
use crate::db;
use crate::error::AppError;

/// An authenticated user and the organisations they may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: Uuid,
    pub platform_role: PlatformRole,
    memberships: HashMap<Uuid, MemberRole>,
}

impl Viewer {
    /// A viewer with the given active memberships.
    pub fn new(
        user_id: Uuid,
        platform_role: PlatformRole,
        memberships: impl IntoIterator<Item = (Uuid, MemberRole)>,
    ) -> Self {
        Self {
            user_id,
            platform_role,
            memberships: memberships.into_iter().collect(),
        }
    }

    /// Whether the viewer administers the whole platform.
    pub fn is_platform_admin(&self) -> bool {
        self.platform_role == PlatformRole::PlatformAdmin
    }

    /// The viewer's role in an organisation, if they are an active member.
    pub fn role_in(&self, organization_id: Uuid) -> Option<MemberRole> {
        self.memberships.get(&organization_id).copied()
    }

    /// The organisations the viewer is an active member of.
    pub fn organization_ids(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.memberships.keys().copied()
    }
}

/// The outcome of reading a request's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// No credentials: only public reference data is reachable.
    Anonymous,
    /// A valid token naming an active user.
    Viewer(Arc<Viewer>),
    /// Credentials were given but are not acceptable (malformed, forged, expired, unknown user).
    Rejected,
}

impl Authentication {
    /// The viewer, or `UNAUTHENTICATED` for anyone else.
    pub fn viewer(&self) -> Result<&Arc<Viewer>, AppError> {
        match self {
            Self::Viewer(viewer) => Ok(viewer),
            Self::Anonymous | Self::Rejected => Err(AppError::Unauthenticated),
        }
    }
}

/// Reads an `Authorization` header value (`Bearer <JWT>`) into an [`Authentication`].
pub async fn authenticate(
    authorization: Option<&str>,
    keys: &TokenKeys,
    db: &DatabaseConnection,
) -> Result<Authentication, DbErr> {
    let Some(authorization) = authorization else {
        return Ok(Authentication::Anonymous);
    };
    let Some(token) = bearer_token(authorization) else {
        return Ok(Authentication::Rejected);
    };
    let Ok(claims) = keys.verify(token) else {
        return Ok(Authentication::Rejected);
    };
    load(db, claims.sub).await
}

/// The user as a viewer, with their memberships as they are now; `Rejected` for a user who is
/// not (or no longer) active.
pub async fn load(db: &DatabaseConnection, user_id: Uuid) -> Result<Authentication, DbErr> {
    let Some(user) = db::viewer::active_user(db, user_id).await? else {
        return Ok(Authentication::Rejected);
    };
    Ok(Authentication::Viewer(Arc::new(Viewer::new(
        user.id,
        user.platform_role,
        user.memberships,
    ))))
}

/// The token of a `Bearer` credential; the scheme is case-insensitive (RFC 7235).
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer   "), None);
    }

    #[test]
    fn roles_are_read_per_organisation() {
        let (alpha, beta) = (Uuid::now_v7(), Uuid::now_v7());
        let viewer = Viewer::new(
            Uuid::now_v7(),
            PlatformRole::User,
            [(alpha, MemberRole::Analyst)],
        );
        assert_eq!(viewer.role_in(alpha), Some(MemberRole::Analyst));
        assert_eq!(viewer.role_in(beta), None);
        assert!(!viewer.is_platform_admin());
    }

    #[test]
    fn roles_are_ordered_strongest_first() {
        use sea_orm::Iterable;
        let roles: Vec<MemberRole> = MemberRole::iter().collect();
        for (index, role) in roles.iter().enumerate() {
            for (other_index, other) in roles.iter().enumerate() {
                assert_eq!(
                    role.is_at_least(*other),
                    index <= other_index,
                    "{role:?} vs {other:?}"
                );
            }
        }
    }

    #[test]
    fn only_a_viewer_passes_the_viewer_check() {
        assert!(matches!(
            Authentication::Anonymous.viewer(),
            Err(AppError::Unauthenticated)
        ));
        assert!(matches!(
            Authentication::Rejected.viewer(),
            Err(AppError::Unauthenticated)
        ));
        let viewer = Arc::new(Viewer::new(Uuid::now_v7(), PlatformRole::User, []));
        assert!(Authentication::Viewer(viewer).viewer().is_ok());
    }
}
