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
    /// One recorded change; its network origin and hash chain are not read.
    pub struct AuditEntry of audit_log {
        pub id: i64,
        pub created_at: DateTime<Utc>,
        pub organization_id: Option<Uuid>,
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

/// An audit entry by its row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuditKey(pub i64);

impl Loader<AuditKey> for Reader {
    type Value = Arc<AuditEntry>;
    type Error = LoadError;

    async fn load(&self, keys: &[AuditKey]) -> Result<HashMap<AuditKey, Self::Value>, LoadError> {
        self.lookup(
            audit_log::Column::Id,
            keys,
            |key| (key.0, ()),
            |entry: &AuditEntry, ()| AuditKey(entry.id),
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
        CursorValue::Int(self.id)
    }
}

/// How audit entries are sorted: by their sequence, the order they were written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditSort {
    Sequence,
}

impl SortKey<AuditEntry> for AuditSort {
    fn column(self) -> audit_log::Column {
        audit_log::Column::Id
    }

    fn kind(self) -> ValueKind {
        ValueKind::Int
    }

    fn value(self, entry: &AuditEntry) -> CursorValue {
        CursorValue::Int(entry.id)
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
