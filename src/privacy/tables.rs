//! Every table orgraph stores, read off its entity: its columns (kind, nullability,
//! uniqueness) and the columns that point at a person (its relations to `users`). The
//! registry is checked against this, and export and erasure find a person's rows through it.

use std::future::Future;
use std::pin::Pin;

use entity::*;
use sea_orm::sea_query::{TableName, TableRef};
use sea_orm::{
    ColumnTrait, ColumnType, Condition, DatabaseConnection, DbErr, EntityName, EntityTrait,
    IdenStatic, Iterable, QueryFilter, RelationTrait,
};
use serde_json::Value;
use uuid::Uuid;

/// What a column holds, as far as anonymisation cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Json,
    Uuid,
    Timestamp,
    Other,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: &'static str,
    pub kind: ColumnKind,
    pub nullable: bool,
    pub unique: bool,
}

/// The rows of a table that match a condition, as JSON objects (column name → value).
pub type RowsFn =
    for<'a> fn(
        &'a DatabaseConnection,
        Condition,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Value>, DbErr>> + Send + 'a>>;

/// One table: its columns, which of them are a person's id, and how to read its rows.
#[derive(Debug, Clone)]
pub struct TableInfo {
    pub name: &'static str,
    pub columns: Vec<ColumnInfo>,
    /// Columns that reference `users.id`, from the entity's relations.
    pub links_to_users: Vec<String>,
    /// Reads rows through the entity, each column decoded as its type.
    pub rows: RowsFn,
}

impl TableInfo {
    /// The columns whose value makes a row one about a person, with that value: the links to
    /// `users.id`, the person's own row, and the invitations addressed to their email.
    pub fn about(&self, person: Uuid, email: &str) -> Vec<(String, sea_orm::Value)> {
        let mut about: Vec<(String, sea_orm::Value)> = self
            .links_to_users
            .iter()
            .map(|column| (column.clone(), person.into()))
            .collect();
        if self.name == users::Entity.table_name() {
            about.push(("id".to_owned(), person.into()));
        }
        if self.name == organization_invitations::Entity.table_name() {
            about.push(("invitee_email".to_owned(), email.to_lowercase().into()));
        }
        about
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|column| column.name == name)
    }

    fn of<E: EntityTrait>(entity: E) -> Self
    where
        E::Column: Iterable,
        E::Relation: Iterable,
    {
        let users = users::Entity.table_name();
        let columns = E::Column::iter()
            .map(|column| {
                let def = column.def();
                ColumnInfo {
                    name: column.as_str(),
                    kind: kind(def.get_column_type()),
                    nullable: def.is_null(),
                    unique: def.is_unique(),
                }
            })
            .collect();
        let links_to_users = E::Relation::iter()
            .map(|relation| relation.def())
            // A `belongs_to` (SeaORM marks the side holding the key `is_owner = false`).
            .filter(|relation| {
                !relation.is_owner && table_name(&relation.to_tbl).as_deref() == Some(users)
            })
            .map(|relation| relation.from_col.iter().map(ToString::to_string).collect())
            .collect();
        Self {
            name: entity.table_name(),
            columns,
            links_to_users,
            rows: rows_of::<E>,
        }
    }
}

fn rows_of<E: EntityTrait>(
    db: &DatabaseConnection,
    condition: Condition,
) -> Pin<Box<dyn Future<Output = Result<Vec<Value>, DbErr>> + Send + '_>> {
    Box::pin(async move { E::find().filter(condition).into_json().all(db).await })
}

fn kind(column_type: &ColumnType) -> ColumnKind {
    match column_type {
        ColumnType::Text | ColumnType::String(_) | ColumnType::Char(_) => ColumnKind::Text,
        ColumnType::Json | ColumnType::JsonBinary => ColumnKind::Json,
        ColumnType::Uuid => ColumnKind::Uuid,
        ColumnType::Timestamp | ColumnType::TimestampWithTimeZone | ColumnType::DateTime => {
            ColumnKind::Timestamp
        }
        _ => ColumnKind::Other,
    }
}

fn table_name(table: &TableRef) -> Option<String> {
    match table {
        TableRef::Table(TableName(_, name), _) => Some(name.to_string()),
        _ => None,
    }
}

/// Every table, one entry per entity.
pub fn all() -> Vec<TableInfo> {
    vec![
        TableInfo::of(assessment_scores::Entity),
        TableInfo::of(assessments::Entity),
        TableInfo::of(audit_log::Entity),
        TableInfo::of(benchmark_positions::Entity),
        TableInfo::of(consent_types::Entity),
        TableInfo::of(data_deletions::Entity),
        TableInfo::of(data_exports::Entity),
        TableInfo::of(data_retention_policies::Entity),
        TableInfo::of(digital_twin_snapshots::Entity),
        TableInfo::of(events::Entity),
        TableInfo::of(gdpr_requests::Entity),
        TableInfo::of(industry_benchmarks::Entity),
        TableInfo::of(job_runs::Entity),
        TableInfo::of(maturity_criteria::Entity),
        TableInfo::of(maturity_levels::Entity),
        TableInfo::of(mutation_receipts::Entity),
        TableInfo::of(organization_digital_twins::Entity),
        TableInfo::of(organization_invitations::Entity),
        TableInfo::of(organization_members::Entity),
        TableInfo::of(organizations::Entity),
        TableInfo::of(user_consents::Entity),
        TableInfo::of(users::Entity),
    ]
}
