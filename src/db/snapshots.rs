//! `digital_twin_snapshots`: a twin's state at one moment, visible to the members of its
//! organisation, listed per twin and read per twin over a window of time (for history and
//! trends, [`SnapshotsWithin`]). The whole state document is read only by the field that
//! shows it ([`SnapshotStateKey`]).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::digital_twin_snapshots;
use entity::enums::SnapshotReason;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QueryTrait, Select};
use serde_json::Value as Json;
use uuid::Uuid;

use super::keys::any_of;
use super::paging::{CursorValue, ListFilter, Listed, Parent, SortKey, TimeRange, ValueKind};
use super::read::{LoadError, Reader, Tenancy, Unjoined, read};
use crate::domain::trend;

crate::row! {
    /// A snapshot without its state document.
    pub struct Snapshot of digital_twin_snapshots {
        pub id: Uuid,
        pub twin_id: Uuid,
        pub organization_id: Uuid,
        pub maturity_level: i16,
        pub maturity_score: Decimal,
        pub ai_readiness_score: Decimal,
        pub assessment_count: i32,
        pub reason: SnapshotReason,
        pub captured_at: DateTime<Utc>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

impl Unjoined for Snapshot {
    fn tenancy() -> Tenancy<digital_twin_snapshots::Entity> {
        Tenancy::Organization(digital_twin_snapshots::Column::OrganizationId)
    }
}

/// A snapshot by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotKey(pub Uuid);

impl Loader<SnapshotKey> for Reader {
    type Value = Arc<Snapshot>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SnapshotKey],
    ) -> Result<HashMap<SnapshotKey, Self::Value>, LoadError> {
        self.lookup(
            digital_twin_snapshots::Column::Id,
            keys,
            |key| (key.0, ()),
            |snapshot: &Snapshot, ()| SnapshotKey(snapshot.id),
        )
        .await
    }
}

/// The snapshots of a twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotsOf(pub Uuid);

impl Parent for SnapshotsOf {
    type Row = Snapshot;

    fn column(self) -> digital_twin_snapshots::Column {
        digital_twin_snapshots::Column::TwinId
    }

    fn id(self) -> Uuid {
        self.0
    }

    fn id_of(self, snapshot: &Snapshot) -> Uuid {
        snapshot.twin_id
    }
}

impl Listed for Snapshot {
    type Filter = SnapshotFilter;
    type Sort = SnapshotSort;
    const KEY_KIND: ValueKind = ValueKind::Uuid;

    fn key(&self) -> CursorValue {
        CursorValue::Uuid(self.id)
    }
}

/// How snapshots are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotSort {
    CapturedAt,
}

impl SortKey<Snapshot> for SnapshotSort {
    fn column(self) -> digital_twin_snapshots::Column {
        digital_twin_snapshots::Column::CapturedAt
    }

    fn kind(self) -> ValueKind {
        ValueKind::Time
    }

    fn value(self, snapshot: &Snapshot) -> CursorValue {
        CursorValue::Time(snapshot.captured_at)
    }
}

/// Which snapshots to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SnapshotFilter {
    pub reasons: Option<Vec<SnapshotReason>>,
    pub captured: TimeRange,
}

impl ListFilter<digital_twin_snapshots::Entity> for SnapshotFilter {
    fn apply(
        &self,
        select: Select<digital_twin_snapshots::Entity>,
    ) -> Select<digital_twin_snapshots::Entity> {
        use digital_twin_snapshots::Column;
        let select = select.apply_if(self.reasons.clone(), |select, reasons| {
            select.filter(Column::Reason.is_in(reasons))
        });
        self.captured.apply(select, Column::CapturedAt)
    }
}

/// The moments a read of a twin's snapshots covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    /// From the first moment to the second, both included.
    Between(DateTime<Utc>, DateTime<Utc>),
    /// The last so many calendar months, up to the moment of the read: every field of a
    /// request that asks for the same months shares one read.
    LastMonths(u32),
}

impl Window {
    /// The first and last moment of the window, read at `now`.
    fn bounds(self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        match self {
            Self::Between(from, to) => (from, to),
            Self::LastMonths(months) => (trend::window_start(now, months), now),
        }
    }
}

/// A twin's snapshots within a window, oldest first (those of one moment in the order they
/// were written: ids are time-ordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotsWithin {
    pub twin: Uuid,
    pub window: Window,
}

impl Loader<SnapshotsWithin> for Reader {
    type Value = Arc<[Snapshot]>;
    type Error = LoadError;

    /// One statement per distinct window, for all the twins asking for it.
    async fn load(
        &self,
        keys: &[SnapshotsWithin],
    ) -> Result<HashMap<SnapshotsWithin, Self::Value>, LoadError> {
        use digital_twin_snapshots::Column;
        let now = Utc::now();
        let mut windows: HashMap<Window, Vec<Uuid>> = HashMap::new();
        for key in keys {
            windows.entry(key.window).or_default().push(key.twin);
        }
        let mut found = HashMap::with_capacity(keys.len());
        for (window, twins) in windows {
            let (from, to) = window.bounds(now);
            let select = read::<Snapshot>(self.scope(), ())
                .filter(any_of(
                    self.backend(),
                    Column::TwinId.into_expr(),
                    twins.iter().copied(),
                ))
                .filter(Column::CapturedAt.between(from, to))
                .order_by_asc(Column::TwinId)
                .order_by_asc(Column::CapturedAt)
                .order_by_asc(Column::Id);
            let mut by_twin: HashMap<Uuid, Vec<Snapshot>> = HashMap::new();
            for snapshot in self.all::<Snapshot>(select, ()).await? {
                by_twin.entry(snapshot.twin_id).or_default().push(snapshot);
            }
            // A twin with no snapshot in the window (or none the viewer may read) has none.
            for twin in twins {
                let snapshots = by_twin.remove(&twin).unwrap_or_default();
                found.insert(SnapshotsWithin { twin, window }, snapshots.into());
            }
        }
        Ok(found)
    }
}

crate::row! {
    /// A snapshot's whole twin state.
    pub struct SnapshotState of digital_twin_snapshots {
        pub id: Uuid,
        pub state: Json,
    }
}

impl Unjoined for SnapshotState {
    fn tenancy() -> Tenancy<digital_twin_snapshots::Entity> {
        <Snapshot as Unjoined>::tenancy()
    }
}

/// The state of a snapshot, by the snapshot's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotStateKey(pub Uuid);

impl Loader<SnapshotStateKey> for Reader {
    type Value = Arc<SnapshotState>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SnapshotStateKey],
    ) -> Result<HashMap<SnapshotStateKey, Self::Value>, LoadError> {
        self.lookup(
            digital_twin_snapshots::Column::Id,
            keys,
            |key| (key.0, ()),
            |state: &SnapshotState, ()| SnapshotStateKey(state.id),
        )
        .await
    }
}
