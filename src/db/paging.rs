//! Keyset pagination in SQL. A list without a parent, or the list of one parent, is an
//! `ORDER BY … LIMIT` its index serves. The lists of many parents are one statement whatever
//! their number: on PostgreSQL a `LATERAL` page per parent (each an index range scan that stops
//! after a page), on SQLite the rows numbered per parent by a window function.

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement,
    WindowStatement,
};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable,
    PrimaryKeyToColumn, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Value,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keys::{any_of, array};
use super::read::{LoadError, Read, Reader, read, read_of_parent};

/// A position in a list: the sort column's value and the primary key of one row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort the cursor was made for.
    #[serde(rename = "o")]
    pub order: String,
    #[serde(rename = "v")]
    pub value: CursorValue,
    #[serde(rename = "k")]
    pub key: CursorValue,
}

/// A column value kept in a cursor. Values of one kind compare as their columns do in SQL for
/// the kinds nested lists sort by (times, numbers, UUIDs); text sorts by the database's
/// collation, so only lists without a parent, ordered by SQL alone, sort by it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CursorValue {
    #[serde(rename = "t")]
    Time(DateTime<Utc>),
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "i")]
    Int(i64),
    #[serde(rename = "u")]
    Uuid(Uuid),
}

/// What kind of value a column holds, so a crafted cursor cannot smuggle in another type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    Time,
    Text,
    Int,
    Uuid,
}

impl CursorValue {
    fn kind(&self) -> ValueKind {
        match self {
            Self::Time(_) => ValueKind::Time,
            Self::Text(_) => ValueKind::Text,
            Self::Int(_) => ValueKind::Int,
            Self::Uuid(_) => ValueKind::Uuid,
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Self::Time(time) => (*time).into(),
            Self::Text(text) => text.clone().into(),
            Self::Int(int) => (*int).into(),
            Self::Uuid(uuid) => (*uuid).into(),
        }
    }
}

impl Cursor {
    /// The opaque text clients see.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("a cursor always serialises");
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a cursor of any order; `None` if it is malformed.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Reads a cursor for `sort` of list `R`; `None` if it is malformed or was made for
    /// another order.
    pub fn decode<R: Listed>(text: &str, sort: R::Sort) -> Option<Self> {
        let cursor = Self::parse(text)?;
        let fits = cursor.order == sort.name()
            && cursor.value.kind() == sort.kind()
            && cursor.key.kind() == R::KEY_KIND;
        fits.then_some(cursor)
    }

    /// The cursor of `row` under `sort`.
    pub fn of<R: Listed>(row: &R, sort: R::Sort) -> Self {
        Self {
            order: sort.name().to_owned(),
            value: sort.value(row),
            key: row.key(),
        }
    }
}

/// A table read as a list: how its rows are filtered and sorted. A key unique within the
/// list breaks ties: the primary key unless [`Listed::tie_breaker`] says otherwise.
pub trait Listed: Read {
    type Filter: ListFilter<Self::Entity>;
    type Sort: SortKey<Self>;
    /// The kind of the key.
    const KEY_KIND: ValueKind;
    /// The row's key, as cursors keep it.
    fn key(&self) -> CursorValue;
    /// The key's column.
    fn tie_breaker() -> <Self::Entity as EntityTrait>::Column {
        primary_key::<Self>()
    }
}

/// A column a list can be sorted by.
pub trait SortKey<R: Read>: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    /// The column sorted on; reads never leave it out.
    fn column(self) -> <R::Entity as EntityTrait>::Column;
    /// The kind of the column's values.
    fn kind(self) -> ValueKind;
    /// The row's value of the column.
    fn value(self, row: &R) -> CursorValue;
    /// The name cursors carry, so a cursor of one order is refused by another.
    fn name(self) -> &'static str {
        self.column().as_str()
    }
}

/// Filters a list's rows.
pub trait ListFilter<E: EntityTrait>: Clone + Eq + Hash + Debug + Send + Sync + 'static {
    /// Adds the filter's conditions.
    fn apply(&self, select: Select<E>) -> Select<E>;
}

/// A half-open time range: `from` inclusive, `until` exclusive; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// Keeps the rows whose `column` lies in the range.
    pub fn apply<E: EntityTrait>(&self, select: Select<E>, column: E::Column) -> Select<E> {
        select
            .apply_if(self.from, |select, from| select.filter(column.gte(from)))
            .apply_if(self.until, |select, until| select.filter(column.lt(until)))
    }
}

/// A sort: a key and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort<K> {
    pub key: K,
    pub descending: bool,
}

/// Which way a page is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `first` rows after `after`.
    Forward,
    /// `last` rows before `before`.
    Backward,
}

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub direction: Direction,
    pub size: u64,
    pub cursor: Option<Cursor>,
}

/// What one list request asks for: its filter, sort and page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListQuery<F, K> {
    pub filter: F,
    pub sort: Sort<K>,
    pub page: PageRequest,
}

/// The query of a list of `R`.
pub type QueryOf<R> = ListQuery<<R as Listed>::Filter, <R as Listed>::Sort>;

/// One page of rows, in the requested order.
#[derive(Debug, Clone)]
pub struct Page<R> {
    pub rows: Vec<Arc<R>>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl<R> Page<R> {
    fn new(mut rows: Vec<Arc<R>>, request: &PageRequest) -> Self {
        let has_more = rows.len() as u64 > request.size;
        rows.truncate(request.size as usize);
        let has_cursor = request.cursor.is_some();
        match request.direction {
            Direction::Forward => Self {
                rows,
                has_previous_page: has_cursor,
                has_next_page: has_more,
            },
            Direction::Backward => {
                rows.reverse();
                Self {
                    rows,
                    has_previous_page: has_more,
                    has_next_page: has_cursor,
                }
            }
        }
    }

    /// An empty page, for a parent without matching rows.
    pub fn empty(request: &PageRequest) -> Self {
        Self::new(Vec::new(), request)
    }
}

/// The column of a child table that holds its parent's id.
pub type ParentColumn<R> = <<R as Read>::Entity as EntityTrait>::Column;

impl Reader {
    /// One page of the rows the scope may read, of one parent's list when `parent` is given.
    pub async fn page<R: Listed>(
        &self,
        parent: Option<(ParentColumn<R>, Uuid)>,
        query: &QueryOf<R>,
        joins: R::Joins,
    ) -> Result<Page<R>, DbErr> {
        let select = match parent {
            Some((column, id)) => read_of_parent::<R>(self.scope(), joins, column, Expr::val(id)),
            None => read::<R>(self.scope(), joins),
        };
        let select = listed::<R>(select, query);
        let order = reading_order(query);
        let select = select
            .order_by(query.sort.key.column(), order.clone())
            .order_by(R::tie_breaker(), order)
            .limit(query.page.size + 1);
        let rows = self.all(select, joins).await?;
        Ok(Page::new(
            rows.into_iter().map(Arc::new).collect(),
            &query.page,
        ))
    }

    /// One page per parent, in one statement: the children whose `parent` column is one of
    /// `parents`.
    pub async fn pages_per_parent<R: Listed>(
        &self,
        parent: ParentColumn<R>,
        parents: &[Uuid],
        query: &QueryOf<R>,
        joins: R::Joins,
        parent_of: impl Fn(&R) -> Uuid,
    ) -> Result<HashMap<Uuid, Page<R>>, DbErr> {
        if let [only] = parents {
            let page = self.page(Some((parent, *only)), query, joins).await?;
            return Ok(HashMap::from([(*only, page)]));
        }
        let statement = match self.backend() {
            DbBackend::Postgres => lateral_pages::<R>(self, parent, parents, query, joins),
            _ => numbered_pages::<R>(self, parent, parents, query, joins),
        };
        let rows = self.rows::<R>(&statement, joins).await?;
        let mut by_parent: HashMap<Uuid, Vec<Arc<R>>> = HashMap::with_capacity(parents.len());
        for row in rows {
            by_parent
                .entry(parent_of(&row))
                .or_default()
                .push(Arc::new(row));
        }
        // The statement leaves the rows of many parents unordered (sorting all of them cost
        // PostgreSQL more than the pages did); each page of a few rows is put in order here.
        let descending = reading_order(query) == Order::Desc;
        let sort = query.sort.key;
        Ok(by_parent
            .into_iter()
            .map(|(id, mut rows)| {
                rows.sort_by(|one, other| {
                    let order = (sort.value(one), one.key()).cmp(&(sort.value(other), other.key()));
                    if descending { order.reverse() } else { order }
                });
                (id, Page::new(rows, &query.page))
            })
            .collect())
    }

    /// How many rows the scope may read match `filter`, of one parent's list when `parent` is
    /// given.
    pub async fn count<R: Listed>(
        &self,
        parent: Option<(ParentColumn<R>, Uuid)>,
        filter: &R::Filter,
    ) -> Result<i64, DbErr> {
        let tenancy = R::tenancy();
        let select = match parent {
            Some((column, id)) => R::Entity::find()
                .filter(column.eq(id))
                .filter(tenancy.of_parent(self.scope(), column, Expr::val(id))),
            None => R::Entity::find().filter(tenancy.rows(self.scope())),
        };
        let total = filter
            .apply(select)
            .select_only()
            .column_as(primary_key::<R>().into_expr().count(), "total")
            .into_tuple::<i64>()
            .one(self.db())
            .await?;
        Ok(total.unwrap_or_default())
    }

    /// How many rows the scope may read match `filter`, per parent, in one grouped statement.
    pub async fn counts_per_parent<R: Listed>(
        &self,
        parent: ParentColumn<R>,
        parents: &[Uuid],
        filter: &R::Filter,
    ) -> Result<HashMap<Uuid, i64>, DbErr> {
        let tenancy = R::tenancy().of_parent(self.scope(), parent, parent.into_expr());
        let counts: Vec<(Uuid, i64)> = filter
            .apply(R::Entity::find().filter(tenancy))
            .filter(any_of(
                self.backend(),
                parent.into_expr(),
                parents.iter().copied(),
            ))
            .select_only()
            .column(parent)
            .column_as(primary_key::<R>().into_expr().count(), "total")
            .group_by(parent)
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(counts.into_iter().collect())
    }
}

/// Which parent a nested list belongs to (an enumeration when one table is listed under
/// several parents, e.g. memberships by organisation and by person).
pub trait Parent: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    type Row: Listed;
    /// The child column that holds the parent's id.
    fn column(self) -> ParentColumn<Self::Row>;
    /// The parent's id.
    fn id(self) -> Uuid;
    /// The id of the parent of this kind that `row` belongs to.
    fn id_of(self, row: &Self::Row) -> Uuid;
}

/// One parent's page of a nested list, read in one statement with its siblings' pages.
pub struct ChildPage<P: Parent> {
    pub parent: P,
    pub query: Arc<QueryOf<P::Row>>,
    pub joins: <P::Row as Read>::Joins,
}

/// How many rows of a nested list one parent has, counted with its siblings'.
pub struct ChildCount<P: Parent> {
    pub parent: P,
    pub filter: <P::Row as Listed>::Filter,
}

/// Keys are compared, hashed and cloned by their fields; the derives would ask the same of
/// the rows, which a key never holds.
macro_rules! key_by_fields {
    ($key:ident { $($field:ident),+ }) => {
        impl<P: Parent> Clone for $key<P> {
            fn clone(&self) -> Self {
                Self { $($field: self.$field.clone()),+ }
            }
        }

        impl<P: Parent> PartialEq for $key<P> {
            fn eq(&self, other: &Self) -> bool {
                $(self.$field == other.$field)&&+
            }
        }

        impl<P: Parent> Eq for $key<P> {}

        impl<P: Parent> Hash for $key<P> {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                $(self.$field.hash(state);)+
            }
        }
    };
}

key_by_fields!(ChildPage {
    parent,
    query,
    joins
});
key_by_fields!(ChildCount { parent, filter });

impl<P: Parent> Loader<ChildPage<P>> for Reader {
    type Value = Arc<Page<P::Row>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ChildPage<P>],
    ) -> Result<HashMap<ChildPage<P>, Self::Value>, LoadError> {
        // Keys that share their parent column, query and joins are one statement.
        let mut groups: HashMap<_, Vec<&ChildPage<P>>> = HashMap::new();
        for key in keys {
            let group = (key.parent.column().as_str(), key.query.clone(), key.joins);
            groups.entry(group).or_default().push(key);
        }
        let mut pages = HashMap::with_capacity(keys.len());
        for ((_, query, joins), group) in groups {
            let kind = group[0].parent;
            let parents: Vec<Uuid> = group.iter().map(|key| key.parent.id()).collect();
            let mut found = self
                .pages_per_parent(kind.column(), &parents, &query, joins, |row| {
                    kind.id_of(row)
                })
                .await?;
            for key in group {
                let page = found
                    .remove(&key.parent.id())
                    .unwrap_or_else(|| Page::empty(&query.page));
                pages.insert(key.clone(), Arc::new(page));
            }
        }
        Ok(pages)
    }
}

impl<P: Parent> Loader<ChildCount<P>> for Reader {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[ChildCount<P>]) -> Result<HashMap<ChildCount<P>, i64>, LoadError> {
        let mut groups: HashMap<_, Vec<&ChildCount<P>>> = HashMap::new();
        for key in keys {
            let group = (key.parent.column().as_str(), key.filter.clone());
            groups.entry(group).or_default().push(key);
        }
        let mut counts = HashMap::with_capacity(keys.len());
        for ((_, filter), group) in groups {
            let column = group[0].parent.column();
            let parents: Vec<Uuid> = group.iter().map(|key| key.parent.id()).collect();
            let found = self
                .counts_per_parent::<P::Row>(column, &parents, &filter)
                .await?;
            for key in group {
                let count = found.get(&key.parent.id()).copied().unwrap_or_default();
                counts.insert(key.clone(), count);
            }
        }
        Ok(counts)
    }
}

/// The rows of `select` the list query asks for, beyond its cursor; not yet ordered or
/// limited.
fn listed<R: Listed>(select: Select<R::Entity>, query: &QueryOf<R>) -> Select<R::Entity> {
    positioned::<R>(query.filter.apply(select), query)
}

/// The parent ids a lateral page is read for, as a column of `unnest($1)`.
const PARENT: &str = "page_parent";
/// A page of one parent, or the numbered rows of many.
const PAGE: &str = "page";
/// The window column that numbers each parent's rows.
const ROW_NUMBER: &str = "page_row";

/// PostgreSQL: `unnest` the parents, and read each one's page with a `LATERAL` subquery whose
/// `ORDER BY … LIMIT` the parent's index serves.
fn lateral_pages<R: Listed>(
    reader: &Reader,
    parent: ParentColumn<R>,
    parents: &[Uuid],
    query: &QueryOf<R>,
    joins: R::Joins,
) -> SelectStatement {
    let order = reading_order(query);
    let of_parent =
        read_of_parent::<R>(reader.scope(), joins, parent, Expr::col(Alias::new(PARENT)));
    let page = listed::<R>(of_parent, query)
        .order_by(query.sort.key.column(), order.clone())
        .order_by(R::tie_breaker(), order.clone())
        .limit(query.page.size + 1)
        .into_query();
    let parents: Vec<Value> = parents.iter().copied().map(Value::from).collect();
    let mut statement = Query::select();
    statement
        .column((Alias::new(PAGE), Asterisk))
        .from_function(
            Func::cust("unnest").arg(array::<Uuid>(parents)),
            Alias::new(PARENT),
        )
        .join_lateral(
            JoinType::InnerJoin,
            page,
            Alias::new(PAGE),
            Condition::all(),
        );
    statement
}

/// SQLite: number each parent's rows in the list's order, and keep the first page of each.
fn numbered_pages<R: Listed>(
    reader: &Reader,
    parent: ParentColumn<R>,
    parents: &[Uuid],
    query: &QueryOf<R>,
    joins: R::Joins,
) -> SelectStatement {
    let order = reading_order(query);
    let table = R::Entity::default();
    let tenancy = R::tenancy().of_parent(reader.scope(), parent, parent.into_expr());
    let rows = R::columns(
        R::Entity::find().select_only().filter(tenancy),
        reader.scope(),
        joins,
    );
    let mut numbered = listed::<R>(rows, query)
        .filter(any_of(
            reader.backend(),
            parent.into_expr(),
            parents.iter().copied(),
        ))
        .into_query();
    numbered.expr_window_as(
        Func::cust("ROW_NUMBER"),
        WindowStatement::partition_by((table, parent))
            .order_by((table, query.sort.key.column()), order.clone())
            .order_by((table, R::tie_breaker()), order.clone())
            .to_owned(),
        Alias::new(ROW_NUMBER),
    );
    let mut statement = Query::select();
    statement
        .column((Alias::new(PAGE), Asterisk))
        .from_subquery(numbered, Alias::new(PAGE))
        .and_where(Expr::col((Alias::new(PAGE), Alias::new(ROW_NUMBER))).lte(query.page.size + 1));
    statement
}

impl Reader {
    /// Runs a statement built here and decodes each row as `R` with `joins`.
    async fn rows<R: Read>(
        &self,
        statement: &SelectStatement,
        joins: R::Joins,
    ) -> Result<Vec<R>, DbErr> {
        use sea_orm::ConnectionTrait;
        let rows = self
            .db()
            .query_all_raw(self.backend().build(statement))
            .await?;
        rows.iter().map(|row| R::decode(row, joins)).collect()
    }
}

/// The order rows are read in: reading backwards flips it, and the page is turned round
/// again afterwards.
fn reading_order<F, K>(query: &ListQuery<F, K>) -> Order {
    if query.sort.descending ^ (query.page.direction == Direction::Backward) {
        Order::Desc
    } else {
        Order::Asc
    }
}

/// Keeps the rows strictly beyond the cursor in reading order.
fn positioned<R: Listed>(select: Select<R::Entity>, query: &QueryOf<R>) -> Select<R::Entity> {
    let Some(cursor) = &query.page.cursor else {
        return select;
    };
    let (column, key) = (query.sort.key.column(), R::tie_breaker());
    let (value, id) = (cursor.value.to_value(), cursor.key.to_value());
    let beyond = if reading_order(query) == Order::Desc {
        Condition::any()
            .add(column.lt(value.clone()))
            .add(Condition::all().add(column.eq(value)).add(key.lt(id)))
    } else {
        Condition::any()
            .add(column.gt(value.clone()))
            .add(Condition::all().add(column.eq(value)).add(key.gt(id)))
    };
    select.filter(beyond)
}

/// The (single) primary key column of `R`'s table.
fn primary_key<R: Read>() -> <R::Entity as EntityTrait>::Column {
    <R::Entity as EntityTrait>::PrimaryKey::iter()
        .next()
        .expect("every table has a primary key")
        .into_column()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor() -> Cursor {
        Cursor {
            order: "created_at".into(),
            value: CursorValue::Time(Utc::now()),
            key: CursorValue::Uuid(Uuid::now_v7()),
        }
    }

    #[test]
    fn cursors_round_trip_as_opaque_text() {
        let cursor = cursor();
        assert_eq!(Cursor::parse(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::parse("not a cursor"), None);
    }

    #[test]
    fn pages_report_neighbours_in_reading_order() {
        let forward = PageRequest {
            direction: Direction::Forward,
            size: 2,
            cursor: Some(cursor()),
        };
        let rows = |values: [i32; 3]| values.into_iter().map(Arc::new).collect();
        let page = Page::new(rows([1, 2, 3]), &forward);
        assert_eq!(page.rows, [Arc::new(1), Arc::new(2)]);
        assert!(page.has_next_page && page.has_previous_page);

        let backward = PageRequest {
            direction: Direction::Backward,
            size: 2,
            cursor: None,
        };
        let page = Page::new(rows([3, 2, 1]), &backward);
        assert_eq!(page.rows, [Arc::new(2), Arc::new(3)]);
        assert!(page.has_previous_page && !page.has_next_page);
    }
}
