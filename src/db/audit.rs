//! `audit_log`: who changed what, visible to the owners and admins of the organisation
//! changed, listed per organisation.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::audit_log;
use entity::enums::AuditOperation;
use sea_orm::{ColumnTrait, QueryFilter, QueryTrait, Select};
use serde_json::Value as Json;
use uuid::Uuid;

use super::paging::{CursorValue, ListFilter, Listed, Parent, SortKey, TimeRange, ValueKind};
use super::read::{LoadError, Reader, Tenancy, Unjoined};

crate::row! {
    /// One recorded change; its network origin and its link in the chain are not read.
    pub struct AuditEntry of audit_log {
        /// Names the entry: unique, and unlike the row id it counts nothing.
        pub hash: String,
        pub created_at: DateTime<Utc>,
        pub organization_id: Option<Uuid>,
        pub organization_sequence: Option<i64>,
        pub actor_user_id: Option<Uuid>,
        pub table_name: String,
        pub record_id: Option<String>,
        pub operation: AuditOperation,
        pub old_values: Option<Json>,
        pub new_values: Option<Json>,
        pub request_id: Option<String>,
    }
}

impl Unjoined for AuditEntry {
    fn tenancy() -> Tenancy<audit_log::Entity> {
        Tenancy::Administered(audit_log::Column::OrganizationId)
    }
}

/// An audit entry by its hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditKey(pub String);

impl Loader<AuditKey> for Reader {
    type Value = Arc<AuditEntry>;
    type Error = LoadError;

    async fn load(&self, keys: &[AuditKey]) -> Result<HashMap<AuditKey, Self::Value>, LoadError> {
        self.lookup(
            audit_log::Column::Hash,
            keys,
            |key| (key.0.clone(), ()),
            |entry: &AuditEntry, ()| AuditKey(entry.hash.clone()),
        )
        .await
    }
}

/// The audit log of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuditOf(pub Uuid);

impl Parent for AuditOf {
    type Row = AuditEntry;

    fn column(self) -> audit_log::Column {
        audit_log::Column::OrganizationId
    }

    fn id(self) -> Uuid {
        self.0
    }

    fn id_of(self, entry: &AuditEntry) -> Uuid {
        entry.organization_id.unwrap_or_default()
    }
}

impl Listed for AuditEntry {
    type Filter = AuditFilter;
    type Sort = AuditSort;
    const KEY_KIND: ValueKind = ValueKind::Int;

    fn key(&self) -> CursorValue {
        CursorValue::Int(self.sequence())
    }

    /// Unique within an organisation's log; the row id would tell a cursor's reader how much
    /// other organisations wrote.
    fn tie_breaker() -> audit_log::Column {
        audit_log::Column::OrganizationSequence
    }
}

impl AuditEntry {
    /// The entry's place in its organisation's log; lists are of one organisation's entries.
    pub fn sequence(&self) -> i64 {
        self.organization_sequence.unwrap_or_default()
    }
}

/// How audit entries are sorted: by their organisation's sequence, the order they were
/// written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditSort {
    Sequence,
}

impl SortKey<AuditEntry> for AuditSort {
    fn column(self) -> audit_log::Column {
        audit_log::Column::OrganizationSequence
    }

    fn kind(self) -> ValueKind {
        ValueKind::Int
    }

    fn value(self, entry: &AuditEntry) -> CursorValue {
        CursorValue::Int(entry.sequence())
    }
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AuditFilter {
    pub actor: Option<Uuid>,
    pub tables: Option<Vec<String>>,
    pub operations: Option<Vec<AuditOperation>>,
    pub created: TimeRange,
}

impl ListFilter<audit_log::Entity> for AuditFilter {
    fn apply(&self, select: Select<audit_log::Entity>) -> Select<audit_log::Entity> {
        use audit_log::Column;
        let select = select
            .apply_if(self.actor, |select, actor| {
                select.filter(Column::ActorUserId.eq(actor))
            })
            .apply_if(self.tables.clone(), |select, tables| {
                select.filter(Column::TableName.is_in(tables))
            })
            .apply_if(self.operations.clone(), |select, operations| {
                select.filter(Column::Operation.is_in(operations))
            });
        self.created.apply(select, Column::CreatedAt)
    }
}
