//! Who is asking, and the field guards: on every field that reaches organisation data, a check
//! that the viewer is a member (holding a role, where the design says so), and on personal
//! fields a check of the person's personal data. Objects only ever come from scoped reads, so
//! these guards are a second wall, checked on their own.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{Context, Guard, Result};
use entity::enums::MemberRole;
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::batching::LoadSpawner;
use crate::auth::viewer::{self as auth, Credentials, Rejection, Viewer};
use crate::db::read::Reader;
use crate::db::reference::Reference;
use crate::db::scope::{Access, Scope};
use crate::db::users::UserKey;
use crate::error::AppError;

/// The per-request loaders every resolver reads through: one viewer's, cached for the
/// request.
pub type Loaders = DataLoader<Reader, HashMapCache>;

/// The largest batch one statement answers: the children of a full page of full pages
/// (100 × 100) stay one statement.
const MAX_BATCH: usize = 10_000;

/// One request's session: its credentials, and the viewer with their loaders once a field
/// needed them. The viewer's memberships are read once per request (a mutation that changes
/// them starts the request's reads afresh), never taken from the token.
pub struct Session {
    credentials: Credentials,
    db: DatabaseConnection,
    /// Where the viewer's memberships are read: the primary, even when `db` is a replica.
    viewer_db: DatabaseConnection,
    spawner: LoadSpawner,
    reads: Mutex<Arc<OnceCell<Arc<Reads>>>>,
}

/// The viewer as the database has them, and the loaders scoped to them.
struct Reads {
    viewer: Option<Arc<Viewer>>,
    loaders: Loaders,
}

impl Session {
    /// The session of a request that presented `credentials`; its statements go through `db`,
    /// its loads through `spawner`.
    pub fn new(credentials: Credentials, db: DatabaseConnection, spawner: LoadSpawner) -> Self {
        Self {
            credentials,
            viewer_db: db.clone(),
            db,
            spawner,
            reads: Mutex::default(),
        }
    }

    /// The same session, reading data from `replica`; the viewer is still read from the
    /// primary, so that a revoked membership stops at once.
    pub fn reading_from(self, replica: DatabaseConnection) -> Self {
        Self {
            db: replica,
            ..self
        }
    }

    /// The request's database handle, for public data and mutations.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    async fn reads(&self) -> Result<Arc<Reads>, AppError> {
        let cell = {
            let cell = self
                .reads
                .lock()
                .expect("the session lock is never poisoned");
            // Every guarded field asks; once read, the answer is at hand.
            if let Some(reads) = cell.get() {
                return Ok(reads.clone());
            }
            cell.clone()
        };
        let reads = cell.get_or_try_init(|| self.read_viewer()).await?;
        Ok(reads.clone())
    }

    /// Reads the token's user with their memberships, and builds loaders scoped to them.
    async fn read_viewer(&self) -> Result<Arc<Reads>, AppError> {
        let viewer = match self.credentials {
            Credentials::User(user_id) => auth::load(&self.viewer_db, user_id).await?.map(Arc::new),
            Credentials::Anonymous | Credentials::Rejected(_) => None,
        };
        Ok(self.reads_for(viewer))
    }

    /// Loaders scoped to `viewer`, with nothing read yet.
    fn reads_for(&self, viewer: Option<Arc<Viewer>>) -> Arc<Reads> {
        let access = viewer.as_deref().map_or(Access::Nobody, Viewer::access);
        let reader = Reader::new(
            self.db.clone(),
            Scope::new(self.db.get_database_backend(), access),
        );
        let spawner = self.spawner.clone();
        let loaders = DataLoader::with_cache(
            reader,
            move |load| spawner.spawn(load),
            HashMapCache::default(),
        )
        .max_batch_size(MAX_BATCH)
        // The request's load queue, not a timer, decides what a batch holds.
        .delay(Duration::ZERO);
        Arc::new(Reads { viewer, loaders })
    }

    /// Starts the reads afresh for `viewer`, as read by the caller: each event a subscription
    /// delivers is resolved like a request of its own, by the subscriber as they are now.
    pub fn renew(&self, viewer: Arc<Viewer>) {
        let reads = OnceCell::new_with(Some(self.reads_for(Some(viewer))));
        *self
            .reads
            .lock()
            .expect("the session lock is never poisoned") = Arc::new(reads);
    }

    /// Forgets the viewer and everything read: after a mutation, reads see it afresh.
    pub fn refresh(&self) {
        *self
            .reads
            .lock()
            .expect("the session lock is never poisoned") = Arc::default();
    }
}

fn session<'a>(ctx: &Context<'a>) -> Result<&'a Session, AppError> {
    ctx.data::<Session>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no session in the request data")))
}

/// The user the request's token names, without reading the database; `UNAUTHENTICATED`
/// without a valid token.
pub fn signed_in(ctx: &Context<'_>) -> Result<Uuid, AppError> {
    session(ctx)?.credentials.user()
}

/// The request's viewer with their memberships, or `UNAUTHENTICATED` for a missing or bad
/// token and for a user who is not (or no longer) active.
pub async fn viewer(ctx: &Context<'_>) -> Result<Arc<Viewer>, AppError> {
    signed_in(ctx)?;
    session(ctx)?
        .reads()
        .await?
        .viewer
        .clone()
        .ok_or(AppError::InvalidCredentials(
            Rejection::InactivePerson.reason(),
        ))
}

/// Who may read a person's personal fields, as a refusal tells it.
const PERSONAL_DATA_RULE: &str = "personal data is visible only to the person, to owners and \
     admins of an organisation they share, and to platform admins";

/// The request's loaders, scoped to its viewer (to nobody without one).
pub async fn loaders(ctx: &Context<'_>) -> Result<LoadersOf, AppError> {
    Ok(LoadersOf(session(ctx)?.reads().await?))
}

/// The loaders of the request's current reads.
pub struct LoadersOf(Arc<Reads>);

impl std::ops::Deref for LoadersOf {
    type Target = Loaders;

    fn deref(&self) -> &Loaders {
        &self.0.loaders
    }
}

/// The request's database handle, for public reference data.
pub fn db<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection, AppError> {
    Ok(session(ctx)?.db())
}

/// After a mutation: the viewer's memberships and every row are read again.
pub fn refresh_viewer(ctx: &Context<'_>) -> Result<(), AppError> {
    session(ctx)?.refresh();
    Ok(())
}

/// Before a subscription's next event: reads start afresh, for `viewer` as just read.
pub fn renew_viewer(ctx: &Context<'_>, viewer: Arc<Viewer>) -> Result<(), AppError> {
    session(ctx)?.renew(viewer);
    Ok(())
}

/// The reference data read at start-up.
pub fn reference<'a>(ctx: &Context<'a>) -> Result<&'a Reference, AppError> {
    ctx.data::<Reference>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no reference data in the schema")))
}

/// The subscription feeds, and the resume tokens they hand out.
pub fn feeds<'a>(ctx: &Context<'a>) -> Result<&'a crate::events::feed::Feeds, AppError> {
    ctx.data::<crate::events::feed::Feeds>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no feeds in the schema data")))
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
        let viewer = viewer(ctx).await?;
        if viewer.is_platform_admin() {
            return Ok(());
        }
        let role = self
            .organization_id
            .and_then(|organization| viewer.role_in(organization));
        match role {
            Some(role) if role.is_at_least(self.weakest) => Ok(()),
            Some(held) => Err(AppError::RoleTooWeak {
                needed: self.weakest,
                held,
            }
            .into()),
            None => Err(AppError::NotFound.into()),
        }
    }
}

/// Passes when the viewer may read a person's personal data (the person, an owner or admin of
/// an organisation they share, or a platform admin), as the read of the person found.
pub struct PersonalData(pub bool);

impl Guard for PersonalData {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        signed_in(ctx)?;
        if self.0 {
            Ok(())
        } else {
            Err(AppError::Refused(PERSONAL_DATA_RULE.to_owned()).into())
        }
    }
}

/// Passes when the viewer may read the personal data of the person with this id: their row is
/// read (batched) to find out.
pub struct PersonalDataOf(pub Uuid);

impl Guard for PersonalDataOf {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let person = loaders(ctx)
            .await?
            .load_one(UserKey(self.0))
            .await
            .map_err(AppError::from)?;
        PersonalData(person.is_some_and(|person| person.personal_data_visible))
            .check(ctx)
            .await
    }
}

/// What a mutation acts on, by global ID; the guard finds its organisation within the
/// viewer's scope.
#[derive(Debug, Clone)]
pub enum Target {
    Organization(async_graphql::ID),
    Membership(async_graphql::ID),
    Assessment(async_graphql::ID),
    Invitation(async_graphql::ID),
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
        use crate::db::assessments::AssessmentKey;
        use crate::db::invitations::InvitationKey;
        use crate::db::memberships::MembershipKey;
        use crate::db::organizations::OrganizationKey;

        let loaders = loaders(ctx).await?;
        let organization = match &self.target {
            Target::Organization(id) => {
                let key = GlobalId::decode_as(id, NodeKind::Organization, self.field)?;
                let found = loaders
                    .load_one(OrganizationKey(key, Default::default()))
                    .await;
                found.map_err(AppError::from)?.map(|row| row.row.id)
            }
            Target::Membership(id) => {
                let key = GlobalId::decode_as(id, NodeKind::Membership, self.field)?;
                let found = loaders
                    .load_one(MembershipKey(key, Default::default()))
                    .await;
                found
                    .map_err(AppError::from)?
                    .map(|row| row.row.organization_id)
            }
            Target::Assessment(id) => {
                let key = GlobalId::decode_as(id, NodeKind::Assessment, self.field)?;
                let found = loaders
                    .load_one(AssessmentKey(key, Default::default()))
                    .await;
                found
                    .map_err(AppError::from)?
                    .map(|row| row.row.organization_id)
            }
            Target::Invitation(id) => {
                let key = GlobalId::decode_as(id, NodeKind::Invitation, self.field)?;
                let found = loaders.load_one(InvitationKey(key)).await;
                found
                    .map_err(AppError::from)?
                    .map(|row| row.row.organization_id)
            }
        };
        let organization = organization.ok_or(AppError::NotFound)?;
        OrganizationRole::at_least(self.weakest, organization)
            .check(ctx)
            .await
    }
}
