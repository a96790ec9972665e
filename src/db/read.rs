//! Reading rows within a request's scope: the [`Reader`] every loader reads through, and what a
//! table's module declares to be read ([`Read`]): its tenancy condition, its columns, and the
//! to-one rows it can join.

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use sea_orm::sea_query::{Expr, ExprTrait, JoinType, ValueType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    QueryFilter, QueryResult, QuerySelect, QueryTrait, Select, TryGetError, Value,
};

use super::keys::any_of;
use super::scope::Scope;

/// A loader error; `Arc` because loader results are cloned to every waiting resolver.
pub type LoadError = Arc<DbErr>;

/// The reads of one request, for one viewer: every loader of the request reads through it.
pub struct Reader {
    db: DatabaseConnection,
    scope: Scope,
}

impl Reader {
    /// Reads through `db` (the request's own, counting handle) within `scope`.
    pub fn new(db: DatabaseConnection, scope: Scope) -> Self {
        Self { db, scope }
    }

    /// The request's database handle.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// What the request may read.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The backend statements are written for.
    pub fn backend(&self) -> DbBackend {
        self.scope.backend()
    }

    /// Runs `select` and decodes each row as `R` with `joins`.
    pub async fn all<R: Read>(
        &self,
        select: Select<R::Entity>,
        joins: R::Joins,
    ) -> Result<Vec<R>, DbErr> {
        let statement = select.build(self.backend());
        let rows = self.db.query_all_raw(statement).await?;
        rows.iter().map(|row| R::decode(row, joins)).collect()
    }

    /// The rows of `R` whose `column` is one of `keys`, with `joins`.
    pub async fn by_keys<R: Read, K>(
        &self,
        column: <R::Entity as EntityTrait>::Column,
        keys: impl IntoIterator<Item = K>,
        joins: R::Joins,
    ) -> Result<Vec<R>, DbErr>
    where
        K: Into<Value> + ValueType,
    {
        let select = read::<R>(&self.scope, joins).filter(any_of(
            self.backend(),
            sea_orm::ColumnTrait::into_expr(column),
            keys,
        ));
        self.all(select, joins).await
    }

    /// Answers a lookup: the rows whose `column` holds the value of one of `keys`, one
    /// statement per distinct joins. `split` tells a key's value and joins, `key_of` the key a
    /// row answers.
    pub async fn lookup<R: Read, K, V>(
        &self,
        column: <R::Entity as EntityTrait>::Column,
        keys: &[K],
        split: impl Fn(&K) -> (V, R::Joins),
        key_of: impl Fn(&R, R::Joins) -> K,
    ) -> Result<HashMap<K, Arc<R>>, LoadError>
    where
        K: Eq + Hash,
        V: Into<Value> + ValueType,
    {
        let mut groups: HashMap<R::Joins, Vec<V>> = HashMap::new();
        for key in keys {
            let (value, joins) = split(key);
            groups.entry(joins).or_default().push(value);
        }
        let mut found = HashMap::with_capacity(keys.len());
        for (joins, values) in groups {
            for row in self.by_keys::<R, V>(column, values, joins).await? {
                found.insert(key_of(&row, joins), Arc::new(row));
            }
        }
        Ok(found)
    }
}

/// What a read of one table returns: its row, and the to-one rows it joined.
pub trait Read: Clone + Send + Sync + Sized + 'static {
    type Entity: EntityTrait;
    /// Which to-one rows a read joins onto each row.
    type Joins: Copy + Eq + Hash + Debug + Default + Send + Sync + 'static;

    /// How the scope decides which rows of the table the viewer may read.
    fn tenancy() -> Tenancy<Self::Entity>;

    /// Adds the row's columns and the joined rows' to `select`, which reads the table under
    /// its own name.
    fn columns(
        select: Select<Self::Entity>,
        scope: &Scope,
        joins: Self::Joins,
    ) -> Select<Self::Entity>;

    /// The row from one result row of a select built by [`Read::columns`].
    fn decode(row: &QueryResult, joins: Self::Joins) -> Result<Self, DbErr>;
}

/// A row type made of columns of one table, selected and decoded by position: the columns in
/// the order of the type's fields, each decoded from its place in the result row. Declared
/// with [`row!`](crate::db::row), which writes the select and the decoding from one field list,
/// so the two cannot disagree.
pub trait Columns: Sized {
    type Entity: EntityTrait;
    /// How many columns a read of the row takes.
    const WIDTH: usize;
    /// Adds the row's columns, read from its table under the table's own name, to `select`;
    /// under `{prefix}{column}` when the row is joined onto another.
    fn select<P: EntityTrait>(select: Select<P>, prefix: &str) -> Select<P>;
    /// The row from the columns of `row` that start at `first`.
    fn read_at(row: &QueryResult, first: usize) -> Result<Self, TryGetError>;
}

/// Declares a row type of table `$table` with the given fields, each a column of the same name,
/// and implements [`Columns`] for it and `From<&Model>` for the table's entity model.
#[macro_export]
macro_rules! row {
    ($(#[$meta:meta])* pub struct $name:ident of $table:ident {
        $($(#[$field_meta:meta])* pub $field:ident: $type:ty,)+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: $type,)+
        }

        impl $crate::db::read::Columns for $name {
            type Entity = entity::$table::Entity;
            const WIDTH: usize = [$(stringify!($field)),+].len();

            fn select<P: sea_orm::EntityTrait>(
                mut select: sea_orm::Select<P>,
                prefix: &str,
            ) -> sea_orm::Select<P> {
                use sea_orm::{ColumnTrait, QuerySelect};
                use std::str::FromStr;
                $(
                    let column = entity::$table::Column::from_str(stringify!($field))
                        .expect("a row's fields are its table's columns");
                    let expression = column.into_expr();
                    select = if prefix.is_empty() {
                        select.column_as(expression, stringify!($field))
                    } else {
                        select.column_as(expression, format!("{prefix}{}", stringify!($field)))
                    };
                )+
                select
            }

            fn read_at(
                row: &sea_orm::QueryResult,
                first: usize,
            ) -> Result<Self, sea_orm::TryGetError> {
                // Each field takes the next column, in the order `select` listed them.
                let mut columns = first..;
                Ok(Self {
                    $($field: row.try_get_by_index_nullable(
                        columns.next().expect("an open range never ends"),
                    )?,)+
                })
            }
        }

        impl From<&entity::$table::Model> for $name {
            fn from(model: &entity::$table::Model) -> Self {
                Self {
                    $($field: model.$field.clone(),)+
                }
            }
        }
    };
}

/// A row read from its table alone: its own columns, nothing joined.
pub trait Unjoined: Columns + Clone + Send + Sync + 'static {
    /// How the scope decides which rows of the table the viewer may read.
    fn tenancy() -> Tenancy<<Self as Columns>::Entity>;
}

impl<T: Unjoined> Read for T {
    type Entity = <T as Columns>::Entity;
    type Joins = ();

    fn tenancy() -> Tenancy<Self::Entity> {
        <T as Unjoined>::tenancy()
    }

    fn columns(select: Select<Self::Entity>, _scope: &Scope, _joins: ()) -> Select<Self::Entity> {
        <T as Columns>::select(select, "")
    }

    fn decode(row: &QueryResult, _joins: ()) -> Result<Self, DbErr> {
        Ok(Self::read_at(row, 0)?)
    }
}

/// How the scope decides which rows of a table the viewer may read.
pub enum Tenancy<E: EntityTrait> {
    /// Rows of an organisation the viewer may read, named by this column.
    Organization(E::Column),
    /// Rows of an organisation the viewer owns or administers, named by this column.
    Administered(E::Column),
    /// Rows the scope decides on with a condition of their own (people, the organisations
    /// themselves, public reference data).
    Own(fn(&Scope) -> Condition),
}

impl<E: EntityTrait> Tenancy<E> {
    /// The condition each row must meet.
    pub fn rows(&self, scope: &Scope) -> Condition {
        match self {
            Self::Organization(column) => scope.organizations(column.into_expr()),
            Self::Administered(column) => scope.administered(column.into_expr()),
            Self::Own(visible) => visible(scope),
        }
    }

    /// The condition on the rows whose `column` a statement fixes to `parent`. When that column
    /// is the rows' organisation, the scope asks about the parent, once: PostgreSQL checks such
    /// a condition before reading a row and does not count it against the rows it expects, so
    /// a large tenant's page still reads its index in order and stops after a page.
    pub fn of_parent(&self, scope: &Scope, column: E::Column, parent: Expr) -> Condition {
        match self {
            Self::Organization(organization) if same(organization, &column) => {
                scope.organizations(parent)
            }
            Self::Administered(organization) if same(organization, &column) => {
                scope.administered(parent)
            }
            _ => self.rows(scope),
        }
    }
}

fn same<C: ColumnTrait>(one: &C, other: &C) -> bool {
    one.as_str() == other.as_str()
}

/// The rows of `R` the scope may read, with their columns and `joins`: every read of tenant
/// data starts here or at [`read_of_parent`], so none can leave out its tenancy condition.
pub fn read<R: Read>(scope: &Scope, joins: R::Joins) -> Select<R::Entity> {
    let select = R::Entity::find()
        .select_only()
        .filter(R::tenancy().rows(scope));
    R::columns(select, scope, joins)
}

/// Like [`read`], for the rows whose `column` is `parent` (a value, or a column of an outer
/// query).
pub fn read_of_parent<R: Read>(
    scope: &Scope,
    joins: R::Joins,
    column: <R::Entity as EntityTrait>::Column,
    parent: Expr,
) -> Select<R::Entity> {
    let select = R::Entity::find()
        .select_only()
        .filter(column.into_expr().eq(parent.clone()))
        .filter(R::tenancy().of_parent(scope, column, parent));
    R::columns(select, scope, joins)
}

/// A to-one row read with its parent: `Read(None)` when the parent has none the viewer may
/// read, `NotRead` when the read did not join it (the field that shows it loads it itself).
#[derive(Debug, Clone, Default)]
pub enum Joined<T> {
    #[default]
    NotRead,
    Read(Option<Arc<T>>),
}

/// Left-joins `table` on `on`, and adds the joined row's columns with `columns`.
pub fn join_row_with<P: EntityTrait, E: EntityTrait>(
    mut select: Select<P>,
    table: E,
    on: Condition,
    columns: impl FnOnce(Select<P>) -> Select<P>,
) -> Select<P> {
    QuerySelect::query(&mut select).join(JoinType::LeftJoin, table, on);
    columns(select)
}

/// Left-joins the to-one row `C` on `on`, its columns named `{prefix}{column}`.
pub fn join_row<P: EntityTrait, C: Columns>(
    select: Select<P>,
    on: Condition,
    prefix: &str,
) -> Select<P> {
    join_row_with(select, C::Entity::default(), on, |select| {
        C::select(select, prefix)
    })
}

/// The row `C` joined at column `first`, if the join found one: a missing row is all nulls,
/// and its first required column fails to decode.
pub fn joined_at<C: Columns>(row: &QueryResult, first: usize) -> Result<Option<Arc<C>>, DbErr> {
    match C::read_at(row, first) {
        Ok(joined) => Ok(Some(Arc::new(joined))),
        Err(TryGetError::Null(_)) => Ok(None),
        Err(TryGetError::DbErr(error)) => Err(error),
    }
}
