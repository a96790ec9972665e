//! `users`: people. A person is visible to themselves and to anyone who shares an organisation
//! with them; their personal data only to themselves, to owners and admins of an organisation
//! they share, and to platform admins. Whether the viewer may read a person's personal data is
//! decided in the statement that reads the person.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::users;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryResult, QuerySelect, Select};
use uuid::Uuid;

use super::read::{Columns, Joined, LoadError, Read, Reader, Tenancy, joined_at};
use super::scope::Scope;

crate::row! {
    /// What the API shows of a person.
    pub struct UserRow of users {
        pub id: Uuid,
        pub email: String,
        pub first_name: String,
        pub last_name: String,
        pub phone: Option<String>,
        pub title: Option<String>,
        pub timezone: Option<String>,
        pub linkedin_url: Option<String>,
        pub profile_pic_url: Option<String>,
    }
}

/// A person, and whether the viewer may read their personal data.
#[derive(Debug, Clone)]
pub struct User {
    pub row: UserRow,
    pub personal_data_visible: bool,
}

impl User {
    /// The viewer's own row, as a mutation returns it.
    pub fn own(row: &users::Model) -> Self {
        Self {
            row: row.into(),
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

    /// How many columns a read of a person takes.
    pub const WIDTH: usize = UserRow::WIDTH + 1;

    /// Adds the person's columns (named `{prefix}{column}`), then whether the viewer may read
    /// their personal data, to `select`, which reads `users` under the table's own name.
    pub fn columns_as<E: EntityTrait>(select: Select<E>, scope: &Scope, prefix: &str) -> Select<E> {
        let visible = Expr::from(scope.personal_data(users::Column::Id.into_expr()));
        UserRow::select(select, prefix).column_as(visible, format!("{prefix}personal_data_visible"))
    }

    /// The person read by [`User::columns_as`] at column `first`, if the row holds one.
    pub fn read_at(row: &QueryResult, first: usize) -> Result<Option<Self>, DbErr> {
        let Some(person) = joined_at::<UserRow>(row, first)? else {
            return Ok(None);
        };
        Ok(Some(Self {
            row: Arc::unwrap_or_clone(person),
            personal_data_visible: row.try_get_by_index(first + UserRow::WIDTH)?,
        }))
    }

    /// [`User::read_at`] for a person joined onto another row when `joined`.
    pub fn joined_at(row: &QueryResult, joined: bool, first: usize) -> Result<Joined<Self>, DbErr> {
        if !joined {
            return Ok(Joined::NotRead);
        }
        Ok(Joined::Read(Self::read_at(row, first)?.map(Arc::new)))
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
        Self::read_at(row, 0)?.ok_or_else(|| DbErr::RecordNotFound("a person".into()))
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
