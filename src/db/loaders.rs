//! Per-request, per-viewer batch loading. A [`ScopedReader`] is built for one request with
//! that request's [`Scope`], so nothing one viewer loads is ever served to another; every key
//! type below is answered with one statement per batch, whatever the number of keys.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{
    assessment_scores, assessments, audit_log, consent_types, digital_twin_snapshots,
    organization_digital_twins, organization_members, organizations, user_consents, users,
};
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::task::AtomicWaker;
use sea_orm::sea_query::ValueType;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, ModelTrait, QueryFilter,
    QuerySelect, QueryTrait, Value,
};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use uuid::Uuid;

use super::analytics::{self, Analytics};
use super::attach::{Known, Prefetched, Shape, read_shaped, shape_select};
use super::lists::{ChildList, OrganizationFilter, OrganizationSort};
use super::paging::{self, ListQuery, Page};
use super::scope::{Scope, ScopedEntity};
use super::templates::{ReadShape, StatementTemplates};

/// The largest batch one statement answers. Large enough that the children of a full page
/// of full pages (100 × 100) stay one statement; small enough for SQLite's 32 766 parameters.
const MAX_BATCH: usize = 10_000;

/// A loader error; `Arc` because loader results are cloned to every waiting resolver.
pub type LoadError = Arc<DbErr>;

/// The per-request loader every resolver reads through. It keeps no cache beyond a batch (a
/// batch already reads each key once), so what a mutation changed is read fresh afterwards.
pub type Loaders = DataLoader<ScopedReader>;

/// Reads within one request's scope.
pub struct ScopedReader {
    db: DatabaseConnection,
    scope: Scope,
    /// To-one rows read with their parents, answered without a statement of their own.
    prefetched: Prefetched,
    /// Reads by key rendered before, by any request.
    templates: Arc<StatementTemplates>,
}

/// A batch load waiting to run.
type Load = BoxFuture<'static, ()>;

/// Where one request's batch loads run: inside the request's own task, and only once the query
/// can make no more progress without them. Until then every key the query resolution asks
/// for joins the waiting batches, so each level of a query is one statement whatever the
/// machine's load or the size of the level. (Loads spawned onto the runtime race a timer
/// instead, and split a level into several batches whenever resolving it takes longer.)
pub struct LoadQueue(UnboundedReceiver<Load>);

impl LoadQueue {
    /// Runs `request` with this queue's loads beside it, in the same task.
    pub async fn run_beside<T>(self, request: impl Future<Output = T>) -> T {
        let progress = Arc::new(Progress {
            woken: AtomicBool::new(false),
            task: AtomicWaker::new(),
        });
        BesideLoads {
            request: std::pin::pin!(request),
            loads: std::pin::pin!(self.drive()),
            waker: Waker::from(progress.clone()),
            progress,
        }
        .await
    }

    async fn drive(mut self) {
        let mut running = FuturesUnordered::new();
        loop {
            tokio::select! {
                biased;
                load = self.0.recv() => match load {
                    Some(load) => running.push(load),
                    None => break,
                },
                Some(()) = running.next(), if !running.is_empty() => {}
            }
        }
        while running.next().await.is_some() {}
    }
}

/// A request and its loads, polled so that loads start only when the request is stuck.
struct BesideLoads<R, L> {
    request: R,
    loads: L,
    progress: Arc<Progress>,
    /// One waker for every poll of the request, so the futures inside it see the same waker
    /// each time and need not replace the one they keep.
    waker: Waker,
}

impl<T, R, L> Future for BesideLoads<Pin<&mut R>, Pin<&mut L>>
where
    R: Future<Output = T>,
    L: Future<Output = ()>,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        self.progress.task.register(cx.waker());
        self.progress.woken.store(false, Ordering::Release);
        let waker = self.waker.clone();
        if let Poll::Ready(output) = self.request.as_mut().poll(&mut Context::from_waker(&waker)) {
            return Poll::Ready(output);
        }
        if self.progress.woken.load(Ordering::Acquire) {
            // The query yielded while it still had work: let it finish the step first. The
            // waker already rescheduled the task.
            return Poll::Pending;
        }
        // The loads end only when the loaders are dropped, which the request does last.
        let _ = self.loads.as_mut().poll(cx);
        Poll::Pending
    }
}

/// Notes whether the request woke its own task while it was being polled.
struct Progress {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl Wake for Progress {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake();
    }
}

impl ScopedReader {
    /// Loaders for one request, and the queue their loads run in: `db` should be the request's
    /// own (counting) handle, `templates` those of its database.
    pub fn loaders(
        db: DatabaseConnection,
        scope: Scope,
        templates: Arc<StatementTemplates>,
    ) -> (Loaders, LoadQueue) {
        let (sender, receiver) = unbounded_channel::<Load>();
        let spawner = move |load: Load| {
            // The queue outlives the loaders; a closed queue means the request is over.
            let _ = sender.send(load);
        };
        let loaders = DataLoader::new(
            Self {
                db,
                scope,
                prefetched: Prefetched::default(),
                templates,
            },
            spawner,
        )
        .max_batch_size(MAX_BATCH)
        // The queue, not a timer, decides what a batch holds; no need to wait.
        .delay(Duration::ZERO);
        (loaders, LoadQueue(receiver))
    }

    /// The request's database handle.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Forgets the rows read so far, after a mutation that may have changed them or the
    /// viewer's memberships.
    pub fn forget(&self) {
        self.prefetched.clear();
    }

    /// Whether a statement of this request returned rows of `organization`, which it could
    /// only do for an organisation the viewer may read.
    pub fn has_read_from(&self, organization: Uuid) -> bool {
        self.prefetched.has_read_from(organization)
    }

    /// The row of lookup `L` with `key` if an earlier read of this request joined it: `Some`
    /// of the row, or of `None` when the viewer has none; `None` when it is not known.
    pub fn prefetched<L: Lookup>(
        &self,
        key: &L::Key,
        shape: Shape,
    ) -> Option<Option<Arc<<L::Entity as EntityTrait>::Model>>> {
        if shape != shape.alone() {
            return None;
        }
        let known = self
            .prefetched
            .known::<L>(std::iter::once(key.clone()), shape.omitted());
        match (known.found.into_iter().next(), known.missing.is_empty()) {
            (Some((_, row)), _) => Some(Some(row)),
            (None, true) => Some(None),
            (None, false) => None,
        }
    }

    /// A page of the organisations the viewer may read.
    pub async fn organizations(
        &self,
        query: &ListQuery<OrganizationFilter, OrganizationSort>,
    ) -> Result<Page<organizations::Model>, DbErr> {
        paging::page(&self.db, &self.scope, &self.prefetched, query).await
    }

    /// How many organisations the viewer may read match `filter`.
    pub async fn organization_count(&self, filter: &OrganizationFilter) -> Result<i64, DbErr> {
        paging::count(&self.db, &self.scope, filter).await
    }
}

/// A single-row lookup by a unique column.
pub trait Lookup: Send + Sync + 'static {
    type Entity: ScopedEntity<Model: Sync>;
    type Key: Clone + Eq + Hash + Send + Sync + Into<Value> + ValueType + 'static;
    /// The unique column looked up.
    fn column() -> <Self::Entity as EntityTrait>::Column;
}

/// The key of a [`Lookup`], and the shape of the read: its columns and the to-one relations
/// read with the row.
pub struct Find<L: Lookup> {
    pub key: L::Key,
    pub shape: Shape,
}

impl<L: Lookup> Find<L> {
    /// The row with `key`, whole and alone.
    pub fn key(key: L::Key) -> Self {
        Self {
            key,
            shape: Shape::NONE,
        }
    }
}

impl<L: Lookup> Clone for Find<L> {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            shape: self.shape,
        }
    }
}

impl<L: Lookup> PartialEq for Find<L> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.shape == other.shape
    }
}

impl<L: Lookup> Eq for Find<L> {}

impl<L: Lookup> Hash for Find<L> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
        self.shape.hash(state);
    }
}

impl<L: Lookup> Loader<Find<L>> for ScopedReader
where
    <L::Entity as EntityTrait>::Model: Sync,
{
    type Value = Arc<<L::Entity as EntityTrait>::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Find<L>]) -> Result<HashMap<Find<L>, Self::Value>, LoadError> {
        let mut found = HashMap::with_capacity(keys.len());
        let mut groups: HashMap<Shape, Vec<L::Key>> = HashMap::new();
        for key in keys {
            groups.entry(key.shape).or_default().push(key.key.clone());
        }
        for (shape, keys) in groups {
            // Rows joined onto an earlier read need no statement, unless this read joins more.
            let known = if shape == shape.alone() {
                self.prefetched
                    .known::<L>(keys.into_iter(), shape.omitted())
            } else {
                Known {
                    found: Vec::new(),
                    missing: keys,
                }
            };
            let missing = known.missing;
            found.extend(
                known
                    .found
                    .into_iter()
                    .map(|(key, row)| (Find { key, shape }, row)),
            );
            if missing.is_empty() {
                continue;
            }
            let keys: Vec<Value> = missing.into_iter().map(Into::into).collect();
            let scope = if keys.len() == 1 {
                self.scope.probing_each_row()
            } else {
                self.scope
            };
            let backend = self.db.get_database_backend();
            let statement = self.templates.statement(
                ReadShape::of::<L>(shape, scope.viewer().is_some(), keys.len()),
                scope.viewer(),
                &keys,
                || {
                    let mut select = scope
                        .select::<L::Entity>()
                        .filter(L::column().is_in(keys.iter().cloned()))
                        .into_query();
                    shape_select::<L::Entity>(&mut select, &scope, shape);
                    backend.build(&select)
                },
            );
            let rows =
                read_shaped::<L::Entity>(&self.db, statement, shape, &self.prefetched).await?;
            found.extend(rows.into_iter().filter_map(|row| {
                let key = <L::Key as ValueType>::try_from(row.get(L::column())).ok()?;
                Some((Find { key, shape }, row))
            }));
        }
        Ok(found)
    }
}

macro_rules! lookups {
    ($($(#[$meta:meta])* $name:ident: $module:ident.$column:ident as $key:ty;)+) => {
        $(
            $(#[$meta])*
            pub struct $name;

            impl Lookup for $name {
                type Entity = $module::Entity;
                type Key = $key;
                fn column() -> $module::Column {
                    $module::Column::$column
                }
            }
        )+
    };
}

lookups! {
    /// An organisation by id.
    OrganizationById: organizations.Id as Uuid;
    /// An organisation by slug.
    OrganizationBySlug: organizations.Slug as String;
    /// A person by id.
    UserById: users.Id as Uuid;
    /// A membership by id.
    MembershipById: organization_members.Id as Uuid;
    /// An assessment by id.
    AssessmentById: assessments.Id as Uuid;
    /// A score by id.
    ScoreById: assessment_scores.Id as Uuid;
    /// The score of an assessment.
    ScoreOfAssessment: assessment_scores.AssessmentId as Uuid;
    /// A digital twin by id.
    TwinById: organization_digital_twins.Id as Uuid;
    /// The digital twin of an organisation.
    TwinOfOrganization: organization_digital_twins.OrganizationId as Uuid;
    /// A snapshot by id.
    SnapshotById: digital_twin_snapshots.Id as Uuid;
    /// A consent record by id.
    ConsentById: user_consents.Id as Uuid;
    /// An audit entry by sequence number.
    AuditEntryById: audit_log.Id as i64;
    /// A consent type by id.
    ConsentTypeById: consent_types.Id as Uuid;
}

impl ScopedEntity for consent_types::Entity {
    /// Consent types are public reference data.
    fn visible(_scope: &Scope) -> Condition {
        Condition::all()
    }
}

/// One page of a nested list for one parent.
pub struct ChildPage<L: ChildList> {
    pub parent: Uuid,
    pub query: Arc<ListQuery<L::Filter, L::Sort>>,
}

/// The number of rows of a nested list for one parent.
pub struct ChildCount<L: ChildList> {
    pub parent: Uuid,
    pub filter: Arc<L::Filter>,
}

macro_rules! keyed_by_parent {
    ($key:ident { $field:ident }) => {
        impl<L: ChildList> Clone for $key<L> {
            fn clone(&self) -> Self {
                Self {
                    parent: self.parent,
                    $field: self.$field.clone(),
                }
            }
        }

        impl<L: ChildList> PartialEq for $key<L> {
            fn eq(&self, other: &Self) -> bool {
                self.parent == other.parent && self.$field == other.$field
            }
        }

        impl<L: ChildList> Eq for $key<L> {}

        impl<L: ChildList> Hash for $key<L> {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.parent.hash(state);
                self.$field.hash(state);
            }
        }
    };
}

keyed_by_parent!(ChildPage { query });
keyed_by_parent!(ChildCount { filter });

/// Groups keys that share their query, so each distinct query is one statement.
fn parents_by<T: Clone + Eq + Hash>(
    keys: impl Iterator<Item = (Uuid, T)>,
) -> HashMap<T, Vec<Uuid>> {
    let mut groups: HashMap<T, Vec<Uuid>> = HashMap::new();
    for (parent, shared) in keys {
        groups.entry(shared).or_default().push(parent);
    }
    groups
}

impl<L: ChildList> Loader<ChildPage<L>> for ScopedReader
where
    <L::Entity as EntityTrait>::Model: Sync,
{
    type Value = Arc<Page<<L::Entity as EntityTrait>::Model>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ChildPage<L>],
    ) -> Result<HashMap<ChildPage<L>, Self::Value>, LoadError> {
        let mut pages = HashMap::with_capacity(keys.len());
        let groups = parents_by(keys.iter().map(|key| (key.parent, key.query.clone())));
        for (query, parents) in groups {
            let mut found = paging::pages_per_parent(
                &self.db,
                &self.scope,
                &self.prefetched,
                L::parent(),
                &parents,
                &query,
            )
            .await?;
            for parent in parents {
                let page = found
                    .remove(&parent)
                    .unwrap_or_else(|| Page::empty(&query.page));
                pages.insert(
                    ChildPage {
                        parent,
                        query: query.clone(),
                    },
                    Arc::new(page),
                );
            }
        }
        Ok(pages)
    }
}

impl<L: ChildList> Loader<ChildCount<L>> for ScopedReader {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[ChildCount<L>]) -> Result<HashMap<ChildCount<L>, i64>, LoadError> {
        let mut counts = HashMap::with_capacity(keys.len());
        let groups = parents_by(keys.iter().map(|key| (key.parent, key.filter.clone())));
        for (filter, parents) in groups {
            let found =
                paging::counts_per_parent(&self.db, &self.scope, L::parent(), &parents, &*filter)
                    .await?;
            for parent in parents {
                let count = found.get(&parent).copied().unwrap_or_default();
                counts.insert(
                    ChildCount {
                        parent,
                        filter: filter.clone(),
                    },
                    count,
                );
            }
        }
        Ok(counts)
    }
}

/// Whether the viewer may read a person's personal data (email, phone, consents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PersonalDataOf(pub Uuid);

impl Loader<PersonalDataOf> for ScopedReader {
    type Value = bool;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PersonalDataOf],
    ) -> Result<HashMap<PersonalDataOf, bool>, LoadError> {
        let readable: Vec<Uuid> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter(users::Column::Id.is_in(keys.iter().map(|key| key.0)))
            .filter(self.scope.personal_data(users::Column::Id))
            .into_tuple()
            .all(&self.db)
            .await?;
        let readable: HashSet<Uuid> = readable.into_iter().collect();
        Ok(keys
            .iter()
            .map(|key| (*key, readable.contains(&key.0)))
            .collect())
    }
}

/// The assessment analytics of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnalyticsOf(pub Uuid);

impl Loader<AnalyticsOf> for ScopedReader {
    type Value = Arc<Analytics>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AnalyticsOf],
    ) -> Result<HashMap<AnalyticsOf, Self::Value>, LoadError> {
        let organizations: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let mut found = analytics::analytics(&self.db, &self.scope, &organizations).await?;
        Ok(keys
            .iter()
            .map(|key| (*key, Arc::new(found.remove(&key.0).unwrap_or_default())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::attach::assert_always_read;

    /// A batch's rows are matched to their keys by the lookup's column: reads never leave it
    /// out, whatever the query selects.
    #[test]
    fn lookup_columns_are_read_whatever_is_selected() {
        fn key<L: Lookup>() {
            assert_always_read::<L::Entity>(L::column());
        }
        key::<OrganizationById>();
        key::<OrganizationBySlug>();
        key::<UserById>();
        key::<MembershipById>();
        key::<AssessmentById>();
        key::<ScoreById>();
        key::<ScoreOfAssessment>();
        key::<TwinById>();
        key::<TwinOfOrganization>();
        key::<SnapshotById>();
        key::<ConsentById>();
        key::<AuditEntryById>();
        key::<ConsentTypeById>();
    }
}
