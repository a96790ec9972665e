//! Who is asking: the user a verified token names. Their memberships are never taken from the
//! token: each request reads them once with [`load`], so a removed member loses access on the
//! very next request.

use entity::enums::{MemberRole, PlatformRole};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

pub use super::token::Rejection;
use super::token::TokenKeys;
use crate::db;
use crate::db::scope::Access;
use crate::error::AppError;

/// An authenticated user and the organisations they may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: Uuid,
    pub platform_role: PlatformRole,
    /// A person belongs to few organisations: a list is faster to search than a map.
    memberships: Vec<(Uuid, MemberRole)>,
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
        self.memberships
            .iter()
            .find(|(organization, _)| *organization == organization_id)
            .map(|(_, role)| *role)
    }

    /// The organisations the viewer is an active member of.
    pub fn organization_ids(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.memberships
            .iter()
            .map(|(organization, _)| *organization)
    }

    /// What the viewer may read.
    pub fn access(&self) -> Access {
        if self.is_platform_admin() {
            return Access::PlatformAdmin {
                viewer: self.user_id,
            };
        }
        let administered = self
            .memberships
            .iter()
            .filter(|(_, role)| role.is_at_least(MemberRole::Admin))
            .map(|(organization, _)| *organization);
        Access::Member {
            viewer: self.user_id,
            organizations: self.organization_ids().collect(),
            administered: administered.collect(),
        }
    }
}

/// What a request's `Authorization` header says, checked without the database: whether the
/// user it names is (still) active is for the database to say, inside the statements that read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// No credentials: only public reference data is reachable.
    Anonymous,
    /// A verified token naming this user.
    User(Uuid),
    /// Credentials were given but are not acceptable, for this reason.
    Rejected(Rejection),
}

impl Credentials {
    /// Reads an `Authorization` header value (`Bearer <JWT>`).
    pub fn read(authorization: Option<&str>, keys: &TokenKeys) -> Self {
        Self::read_expiring(authorization, keys).0
    }

    /// Like [`read`](Self::read), with the token's expiry (`exp`, seconds since the epoch)
    /// when it verified: a websocket is closed then.
    pub fn read_expiring(authorization: Option<&str>, keys: &TokenKeys) -> (Self, Option<i64>) {
        let Some(authorization) = authorization else {
            return (Self::Anonymous, None);
        };
        let Some(token) = bearer_token(authorization) else {
            return (Self::Rejected(Rejection::NotBearer), None);
        };
        match keys.verify(token) {
            Ok(claims) => (Self::User(claims.sub), Some(claims.exp)),
            Err(rejection) => (Self::Rejected(rejection), None),
        }
    }

    /// The user the token names, or `UNAUTHENTICATED` without a valid token (saying which).
    pub fn user(self) -> Result<Uuid, AppError> {
        match self {
            Self::User(user_id) => Ok(user_id),
            Self::Anonymous => Err(AppError::Unauthenticated),
            Self::Rejected(rejection) => Err(AppError::InvalidCredentials(rejection.reason())),
        }
    }
}

/// The user as a viewer, with their memberships as they are now; `None` for a user who is not
/// (or no longer) active.
pub async fn load(db: &DatabaseConnection, user_id: Uuid) -> Result<Option<Viewer>, DbErr> {
    let user = db::viewer::active_user(db, user_id).await?;
    Ok(user.map(|user| Viewer::new(user.id, user.platform_role, user.memberships)))
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
    fn a_viewer_reads_their_organisations_and_administers_those_they_own_or_admin() {
        let (owned, administered, analysed) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let user = Uuid::now_v7();
        let memberships = [
            (owned, MemberRole::Owner),
            (administered, MemberRole::Admin),
            (analysed, MemberRole::Analyst),
        ];
        let Access::Member {
            viewer,
            organizations,
            administered: admin_of,
        } = Viewer::new(user, PlatformRole::User, memberships).access()
        else {
            panic!("a member's access");
        };
        let sorted = |ids: &[Uuid]| {
            let mut ids = ids.to_vec();
            ids.sort();
            ids
        };
        assert_eq!(viewer, user);
        assert_eq!(
            sorted(&organizations),
            sorted(&[owned, administered, analysed])
        );
        assert_eq!(sorted(&admin_of), sorted(&[owned, administered]));
        let admin = Viewer::new(user, PlatformRole::PlatformAdmin, memberships);
        assert_eq!(admin.access(), Access::PlatformAdmin { viewer: user });
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
    fn only_a_verified_token_names_a_user() {
        let keys = TokenKeys::new("a-test-secret-that-is-long-enough-for-hs256");
        let user = Uuid::now_v7();
        let token = keys.mint(user, chrono::Duration::hours(1)).unwrap();
        let credentials = Credentials::read(Some(&format!("Bearer {token}")), &keys);
        assert_eq!(credentials, Credentials::User(user));
        assert_eq!(credentials.user().unwrap(), user);
        assert_eq!(Credentials::read(None, &keys), Credentials::Anonymous);
        assert_eq!(
            Credentials::read(Some(&format!("Bearer {token}x")), &keys),
            Credentials::Rejected(Rejection::Unverifiable)
        );
        let expired = keys.mint(user, chrono::Duration::hours(-1)).unwrap();
        assert_eq!(
            Credentials::read(Some(&format!("Bearer {expired}")), &keys),
            Credentials::Rejected(Rejection::Expired)
        );
        assert_eq!(
            Credentials::read(Some(&format!("Basic {token}")), &keys),
            Credentials::Rejected(Rejection::NotBearer)
        );
        assert!(matches!(
            Credentials::Anonymous.user(),
            Err(AppError::Unauthenticated)
        ));
        assert!(matches!(
            Credentials::Rejected(Rejection::Expired).user(),
            Err(AppError::InvalidCredentials(reason)) if reason.contains("expired")
        ));
    }
}
