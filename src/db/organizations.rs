//! `organizations`: the tenants. An organisation is visible to its active members (and to
//! platform admins) while it is not deleted; its digital twin comes with it when asked for.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::enums::{CompanySize, OrganizationStatus};
use entity::{organization_digital_twins, organizations};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, Condition, DbErr, QueryFilter, QueryResult, QueryTrait, Select};
use serde_json::Value as Json;
use uuid::Uuid;

use super::paging::{CursorValue, ListFilter, Listed, SortKey, ValueKind};
use super::read::{Columns, Joined, LoadError, Read, Reader, Tenancy, join_row, joined_at};
use super::scope::Scope;
use super::twins::Twin;

crate::row! {
    /// An organisation's own columns.
    pub struct OrganizationRow of organizations {
        pub id: Uuid,
        pub name: String,
        pub slug: String,
        pub industry: Option<String>,
        pub company_size: Option<CompanySize>,
        pub settings: Json,
        pub status: OrganizationStatus,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

/// An organisation, with its digital twin when the read joined it.
#[derive(Debug, Clone)]
pub struct Organization {
    pub row: OrganizationRow,
    pub twin: Joined<Twin>,
}

impl From<&organizations::Model> for Organization {
    fn from(row: &organizations::Model) -> Self {
        Self {
            row: row.into(),
            twin: Joined::NotRead,
        }
    }
}

/// Whether a read of organisations joins each one's digital twin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OrganizationJoins {
    pub twin: bool,
}

/// The columns of a joined twin.
const TWIN: &str = "twin__";

impl Read for Organization {
    type Entity = organizations::Entity;
    type Joins = OrganizationJoins;

    fn tenancy() -> Tenancy<organizations::Entity> {
        Tenancy::Own(Scope::organization_rows)
    }

    fn columns(
        select: Select<organizations::Entity>,
        _scope: &Scope,
        joins: OrganizationJoins,
    ) -> Select<organizations::Entity> {
        let select = OrganizationRow::select(select, "");
        if !joins.twin {
            return select;
        }
        // Joined on the organisation's own id: visible with it.
        let on = Condition::all().add(
            organization_digital_twins::Column::OrganizationId
                .into_expr()
                .equals((organizations::Entity, organizations::Column::Id)),
        );
        join_row::<_, Twin>(select, on, TWIN)
    }

    fn decode(row: &QueryResult, joins: OrganizationJoins) -> Result<Self, DbErr> {
        let twin = match joins.twin {
            true => Joined::Read(joined_at::<Twin>(row, OrganizationRow::WIDTH)?),
            false => Joined::NotRead,
        };
        Ok(Self {
            row: OrganizationRow::read_at(row, 0)?,
            twin,
        })
    }
}

/// An organisation by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OrganizationKey(pub Uuid, pub OrganizationJoins);

impl Loader<OrganizationKey> for Reader {
    type Value = Arc<Organization>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OrganizationKey],
    ) -> Result<HashMap<OrganizationKey, Self::Value>, LoadError> {
        self.lookup(
            organizations::Column::Id,
            keys,
            |key| (key.0, key.1),
            |organization: &Organization, joins| OrganizationKey(organization.row.id, joins),
        )
        .await
    }
}

/// An organisation by slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrganizationBySlug(pub String, pub OrganizationJoins);

impl Loader<OrganizationBySlug> for Reader {
    type Value = Arc<Organization>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OrganizationBySlug],
    ) -> Result<HashMap<OrganizationBySlug, Self::Value>, LoadError> {
        self.lookup(
            organizations::Column::Slug,
            keys,
            |key| (key.0.clone(), key.1),
            |organization: &Organization, joins| {
                OrganizationBySlug(organization.row.slug.clone(), joins)
            },
        )
        .await
    }
}

impl Listed for Organization {
    type Filter = OrganizationFilter;
    type Sort = OrganizationSort;
    const KEY_KIND: ValueKind = ValueKind::Uuid;

    fn key(&self) -> CursorValue {
        CursorValue::Uuid(self.row.id)
    }
}

/// How organisations are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrganizationSort {
    Name,
    CreatedAt,
}

impl SortKey<Organization> for OrganizationSort {
    fn column(self) -> organizations::Column {
        match self {
            Self::Name => organizations::Column::Name,
            Self::CreatedAt => organizations::Column::CreatedAt,
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            Self::Name => ValueKind::Text,
            Self::CreatedAt => ValueKind::Time,
        }
    }

    fn value(self, organization: &Organization) -> CursorValue {
        match self {
            Self::Name => CursorValue::Text(organization.row.name.clone()),
            Self::CreatedAt => CursorValue::Time(organization.row.created_at),
        }
    }
}

/// Which organisations to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OrganizationFilter {
    pub statuses: Option<Vec<OrganizationStatus>>,
}

impl ListFilter<organizations::Entity> for OrganizationFilter {
    fn apply(&self, select: Select<organizations::Entity>) -> Select<organizations::Entity> {
        select.apply_if(self.statuses.clone(), |select, statuses| {
            select.filter(organizations::Column::Status.is_in(statuses))
        })
    }
}
