//! Every table orgraph stores, read off its entity: its columns (kind, nullability,
//! uniqueness) and the columns that point at a person (its relations to `users`). The
//! registry is checked against this, and export and erasure find a person's rows through it.

use entity::*;
use sea_orm::sea_query::{TableName, TableRef};
use sea_orm::{
    ColumnTrait, ColumnType, EntityName, EntityTrait, IdenStatic, Iterable, RelationTrait,
};

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

/// One table: its columns, and which of them are a person's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    pub name: &'static str,
    pub columns: Vec<ColumnInfo>,
    /// Columns that reference `users.id`, from the entity's relations.
    pub links_to_users: Vec<String>,
}

impl TableInfo {
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
        }
    }
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
