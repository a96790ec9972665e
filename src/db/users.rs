//! `users`: people. A person is visible to themselves and to anyone who shares an organisation
//! with them; their personal data only to themselves, to owners and admins of an organisation
//! they share, and to platform admins. Whether the viewer may read a person's personal data is
//! decided in the statement that reads the person.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::users;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, FromQueryResult, PartialModelTrait, QueryResult,
    QuerySelect, Select,
};
use uuid::Uuid;

use super::read::{LoadError, Read, Reader, Tenancy};
use super::scope::Scope;

/// A person, and whether the viewer may read their personal data.
#[derive(Debug, Clone)]
pub struct User {
    pub row: users::Model,
    pub personal_data_visible: bool,
}

/// The column that tells whether the viewer may read the person's personal data.
const PERSONAL_DATA: &str = "personal_data_visible";

impl User {
    /// The viewer's own row, as a mutation returns it.
    pub fn own(row: users::Model) -> Self {
        Self {
            row,
            personal_data_visible: true,
        }
    }

    /// The people the scope may know of.
    pub fn visible(scope: &Scope) -> Condition {
        Self::existing().add(scope.people(users::Column::Id.into_expr()))
    }

    /// Whether a person exists for anyone: not deleted.
    pub fn existing() -> Condition {
        Condition::all().add(users::Column::DeletedAt.is_null())
    }

    /// Adds the person's columns, named `{prefix}{column}`, and whether the viewer may read
    /// their personal data, to `select`, which reads `users` under the table's own name.
    pub fn columns_as<E: EntityTrait>(select: Select<E>, scope: &Scope, prefix: &str) -> Select<E> {
        let select = users::Model::select_cols_nested(
            select,
            Some(prefix).filter(|prefix| !prefix.is_empty()),
            Some("users"),
        );
        let visible = Expr::from(scope.personal_data(users::Column::Id.into_expr()));
        select.column_as(visible, format!("{prefix}{PERSONAL_DATA}"))
    }

    /// The person read by [`User::columns_as`] under `prefix`, if the row holds one.
    pub fn decode_as(row: &QueryResult, prefix: &str) -> Result<Option<Self>, DbErr> {
        let Some(person) = users::Model::from_query_result_optional(row, prefix)? else {
            return Ok(None);
        };
        Ok(Some(Self {
            row: person,
            personal_data_visible: row.try_get(prefix, PERSONAL_DATA)?,
        }))
    }
}

impl Read for User {
    type Entity = users::Entity;
    type Joins = ();

    fn tenancy() -> Tenancy<users::Entity> {
        Tenancy::Own(Self::visible)
    }

    fn columns(select: Select<users::Entity>, scope: &Scope, _joins: ()) -> Select<users::Entity> {
        Self::columns_as(select, scope, "")
    }

    fn decode(row: &QueryResult, _joins: ()) -> Result<Self, DbErr> {
        Self::decode_as(row, "")?.ok_or_else(|| DbErr::RecordNotFound("a person".into()))
    }
}

/// A person by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserKey(pub Uuid);

impl Loader<UserKey> for Reader {
    type Value = Arc<User>;
    type Error = LoadError;

    async fn load(&self, keys: &[UserKey]) -> Result<HashMap<UserKey, Arc<User>>, LoadError> {
        self.lookup(
            users::Column::Id,
            keys,
            |key| (key.0, ()),
            |person: &User, ()| UserKey(person.row.id),
        )
        .await
    }
}
