//! `organization_members`: one person in one organisation, in one role. A membership is
//! visible to the members of its organisation; the person it is of comes with it when asked.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::enums::{MemberRole, MemberStatus};
use entity::{organization_members, users};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, DbErr, QueryFilter, QueryResult, QueryTrait, Select};
use uuid::Uuid;

use super::paging::{CursorValue, ListFilter, Listed, Parent, SortKey, ValueKind};
use super::read::{Columns, Joined, LoadError, Read, Reader, Tenancy, join_row_with};
use super::scope::Scope;
use super::users::User;

crate::row! {
    /// A membership's own columns.
    pub struct MembershipRow of organization_members {
        pub id: Uuid,
        pub organization_id: Uuid,
        pub user_id: Uuid,
        pub role: MemberRole,
        pub department: Option<String>,
        pub status: MemberStatus,
        pub joined_at: DateTime<Utc>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

/// A membership, with its person when the read joined them.
#[derive(Debug, Clone)]
pub struct Membership {
    pub row: MembershipRow,
    pub user: Joined<User>,
}

impl From<&organization_members::Model> for Membership {
    fn from(row: &organization_members::Model) -> Self {
        Self {
            row: row.into(),
            user: Joined::NotRead,
        }
    }
}

/// Whether a read of memberships joins each one's person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MembershipJoins {
    pub user: bool,
}

/// The columns of a joined person.
const USER: &str = "user__";

impl Read for Membership {
    type Entity = organization_members::Entity;
    type Joins = MembershipJoins;

    fn tenancy() -> Tenancy<organization_members::Entity> {
        Tenancy::Organization(organization_members::Column::OrganizationId)
    }

    fn columns(
        select: Select<organization_members::Entity>,
        scope: &Scope,
        joins: MembershipJoins,
    ) -> Select<organization_members::Entity> {
        let select = MembershipRow::select(select, "");
        if !joins.user {
            return select;
        }
        // A visible membership proves its person visible: only whether they exist is asked.
        let on = User::existing().add(users::Column::Id.into_expr().equals((
            organization_members::Entity,
            organization_members::Column::UserId,
        )));
        join_row_with(select, users::Entity, on, |select| {
            User::columns_as(select, scope, USER)
        })
    }

    fn decode(row: &QueryResult, joins: MembershipJoins) -> Result<Self, DbErr> {
        Ok(Self {
            row: MembershipRow::read_at(row, 0)?,
            user: User::joined_at(row, joins.user, MembershipRow::WIDTH)?,
        })
    }
}

/// A membership by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MembershipKey(pub Uuid, pub MembershipJoins);

impl Loader<MembershipKey> for Reader {
    type Value = Arc<Membership>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MembershipKey],
    ) -> Result<HashMap<MembershipKey, Self::Value>, LoadError> {
        self.lookup(
            organization_members::Column::Id,
            keys,
            |key| (key.0, key.1),
            |membership: &Membership, joins| MembershipKey(membership.row.id, joins),
        )
        .await
    }
}

/// Whose memberships a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MembersOf {
    Organization(Uuid),
    User(Uuid),
}

impl Parent for MembersOf {
    type Row = Membership;

    fn column(self) -> organization_members::Column {
        match self {
            Self::Organization(_) => organization_members::Column::OrganizationId,
            Self::User(_) => organization_members::Column::UserId,
        }
    }

    fn id(self) -> Uuid {
        match self {
            Self::Organization(id) | Self::User(id) => id,
        }
    }

    fn id_of(self, membership: &Membership) -> Uuid {
        match self {
            Self::Organization(_) => membership.row.organization_id,
            Self::User(_) => membership.row.user_id,
        }
    }
}

impl Listed for Membership {
    type Filter = MemberFilter;
    type Sort = MemberSort;
    const KEY_KIND: ValueKind = ValueKind::Uuid;

    fn key(&self) -> CursorValue {
        CursorValue::Uuid(self.row.id)
    }
}

/// How memberships are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberSort {
    JoinedAt,
}

impl SortKey<Membership> for MemberSort {
    fn column(self) -> organization_members::Column {
        organization_members::Column::JoinedAt
    }

    fn kind(self) -> ValueKind {
        ValueKind::Time
    }

    fn value(self, membership: &Membership) -> CursorValue {
        CursorValue::Time(membership.row.joined_at)
    }
}

/// Which memberships to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MemberFilter {
    pub roles: Option<Vec<MemberRole>>,
    pub statuses: Option<Vec<MemberStatus>>,
}

impl ListFilter<organization_members::Entity> for MemberFilter {
    fn apply(
        &self,
        select: Select<organization_members::Entity>,
    ) -> Select<organization_members::Entity> {
        use organization_members::Column;
        select
            .apply_if(self.roles.clone(), |select, roles| {
                select.filter(Column::Role.is_in(roles))
            })
            .apply_if(self.statuses.clone(), |select, statuses| {
                select.filter(Column::Status.is_in(statuses))
            })
    }
}
