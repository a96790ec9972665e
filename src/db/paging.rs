//! Keyset pagination in SQL: one statement pages the children of many parents at once with
//! `row_number() over (partition by parent …)`, so a nested connection costs one statement per
//! nesting level whatever the number of parents, and never reads a child it does not return.

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, WindowStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Iterable, ModelTrait,
    PrimaryKeyToColumn, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Value,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::attach::{Prefetched, Shape, read_shaped, select_read_columns, shape_select};
use super::scope::{Scope, ScopedEntity};

/// The window column that numbers each parent's rows.
const ROW_NUMBER: &str = "page_row";

/// A position in a list: the sort column's value and the primary key of one row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort column the cursor was made for.
    #[serde(rename = "o")]
    pub order: String,
    #[serde(rename = "v")]
    pub value: CursorValue,
    #[serde(rename = "k")]
    pub key: CursorValue,
}

/// A column value kept in a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::ChronoDateTimeUtc(Some(time)) => Some(Self::Time(time)),
            Value::String(Some(text)) => Some(Self::Text(text)),
            Value::BigInt(Some(int)) => Some(Self::Int(int)),
            Value::Uuid(Some(uuid)) => Some(Self::Uuid(uuid)),
            _ => None,
        }
    }

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

    /// Reads a cursor for `sort`; `None` if it is malformed or was made for another order.
    pub fn decode<K: SortKey>(text: &str, sort: K) -> Option<Self> {
        let cursor = Self::parse(text)?;
        let fits = cursor.order == sort.name()
            && cursor.value.kind() == sort.kind()
            && cursor.key.kind() == K::KEY_KIND;
        fits.then_some(cursor)
    }
}

/// A column a list can be sorted by; the primary key breaks ties.
pub trait SortKey: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    type Entity: EntityTrait;
    /// The kind of the entity's primary key.
    const KEY_KIND: ValueKind;
    /// The column sorted on.
    fn column(self) -> <Self::Entity as EntityTrait>::Column;
    /// The name cursors carry, so a cursor of one order is refused by another.
    fn name(self) -> &'static str;
    /// The kind of the column's values.
    fn kind(self) -> ValueKind;
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

/// One page of rows, in the requested order.
#[derive(Debug, Clone)]
pub struct Page<M> {
    pub rows: Vec<Arc<M>>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

impl<M> Page<M> {
    fn new(mut rows: Vec<Arc<M>>, request: &PageRequest) -> Self {
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

    /// An empty page for a parent without matching rows.
    pub fn empty(request: &PageRequest) -> Self {
        Self::new(Vec::new(), request)
    }
}

/// The cursor of a row under `sort`.
pub fn cursor_of<K: SortKey>(model: &<K::Entity as EntityTrait>::Model, sort: K) -> Cursor {
    let value = CursorValue::from_value(model.get(sort.column()));
    let key = CursorValue::from_value(model.get(primary_key::<K::Entity>()));
    Cursor {
        order: sort.name().to_owned(),
        value: value.expect("sort columns are never null"),
        key: key.expect("primary keys are never null"),
    }
}

/// Filters a list's rows; each list has one.
pub trait ListFilter<E: EntityTrait>: Clone + Eq + Hash + Debug + Send + Sync + 'static {
    /// Adds the filter's conditions.
    fn apply(&self, select: Select<E>) -> Select<E>;
}

/// What one list request asks for: its filter, sort and page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListQuery<F, K> {
    pub filter: F,
    pub sort: Sort<K>,
    pub page: PageRequest,
    /// The columns read and the to-one relations read with the rows.
    pub shape: Shape,
}

/// One page of the rows `scope` may read, for a list without a parent.
pub async fn page<E, F, K>(
    db: &impl ConnectionTrait,
    scope: &Scope,
    prefetched: &Prefetched,
    query: &ListQuery<F, K>,
) -> Result<Page<E::Model>, DbErr>
where
    E: ScopedEntity,
    F: ListFilter<E>,
    K: SortKey<Entity = E>,
{
    let select = query.filter.apply(scope.select::<E>());
    ordered_page(db, scope, prefetched, select, query).await
}

/// One page of `select`, in the query's order: an `ORDER BY … LIMIT` the sort's index serves.
async fn ordered_page<E, F, K>(
    db: &impl ConnectionTrait,
    scope: &Scope,
    prefetched: &Prefetched,
    select: Select<E>,
    query: &ListQuery<F, K>,
) -> Result<Page<E::Model>, DbErr>
where
    E: ScopedEntity,
    K: SortKey<Entity = E>,
{
    let order = if reads_descending(query) {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut statement = positioned(select, query)
        .order_by(query.sort.key.column(), order.clone())
        .order_by(primary_key::<E>(), order)
        .limit(query.page.size + 1)
        .into_query();
    let backend = db.get_database_backend();
    shape_select::<E>(&mut statement, scope, query.shape);
    let statement = backend.build(&statement);
    let rows = read_shaped::<E>(db, statement, query.shape, prefetched).await?;
    Ok(Page::new(rows, &query.page))
}

/// One page per parent, in one statement: the children `scope` may read whose `parent` column
/// is one of `parents`.
pub async fn pages_per_parent<E, F, K>(
    db: &impl ConnectionTrait,
    scope: &Scope,
    prefetched: &Prefetched,
    parent: E::Column,
    parents: &[Uuid],
    query: &ListQuery<F, K>,
) -> Result<HashMap<Uuid, Page<E::Model>>, DbErr>
where
    E: ScopedEntity,
    F: ListFilter<E>,
    K: SortKey<Entity = E>,
{
    if let [only] = parents {
        // One parent needs no window: a plain ORDER BY … LIMIT stops after a page, where
        // numbering every child of a large parent would read them all.
        let select = query
            .filter
            .apply(scope.select::<E>())
            .filter(parent.eq(*only));
        let page = ordered_page(db, scope, prefetched, select, query).await?;
        return Ok(HashMap::from([(*only, page)]));
    }
    let order = if reads_descending(query) {
        Order::Desc
    } else {
        Order::Asc
    };
    // The window numbers the children in a subquery named like their table, so the page's
    // select list and joins read the numbered rows as they would read the table. The
    // subquery selects only the columns the page reads, so a column left out is never
    // sorted; numbering keys only and reading the rows again by key cost an index probe per
    // row.
    let mut numbered = positioned(
        query
            .filter
            .apply(scope.select::<E>())
            .filter(parent.is_in(parents.iter().copied())),
        query,
    )
    .into_query();
    select_read_columns::<E>(&mut numbered, query.shape);
    let key = primary_key::<E>();
    let sort = query.sort.key.column();
    numbered.expr_window_as(
        Func::cust("ROW_NUMBER"),
        WindowStatement::partition_by((E::default(), parent))
            .order_by((E::default(), sort), order.clone())
            .order_by((E::default(), key), order.clone())
            .to_owned(),
        ROW_NUMBER,
    );
    // Pages come out in the window's own order, which PostgreSQL then needs no sort for.
    let mut page_rows = Query::select()
        .from_subquery(numbered, E::default())
        .and_where(Expr::col((E::default(), Alias::new(ROW_NUMBER))).lte(query.page.size + 1))
        .order_by((E::default(), parent), Order::Asc)
        .order_by((E::default(), sort), order.clone())
        .order_by((E::default(), key), order)
        .to_owned();
    let backend = db.get_database_backend();
    shape_select::<E>(&mut page_rows, scope, query.shape);
    let statement = backend.build(&page_rows);
    let rows = read_shaped::<E>(db, statement, query.shape, prefetched).await?;
    let mut by_parent: HashMap<Uuid, Vec<Arc<E::Model>>> = HashMap::new();
    for row in rows {
        if let Value::Uuid(Some(id)) = row.get(parent) {
            by_parent.entry(id).or_default().push(row);
        }
    }
    Ok(by_parent
        .into_iter()
        .map(|(id, rows)| (id, Page::new(rows, &query.page)))
        .collect())
}

/// How many rows `scope` may read match `filter`, for a list without a parent.
pub async fn count<E, F>(db: &impl ConnectionTrait, scope: &Scope, filter: &F) -> Result<i64, DbErr>
where
    E: ScopedEntity,
    F: ListFilter<E>,
{
    let total = filter
        .apply(scope.select::<E>())
        .select_only()
        .column_as(
            Expr::col((E::default(), primary_key::<E>())).count(),
            "total",
        )
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(total.unwrap_or_default())
}

/// How many rows `scope` may read match `filter`, per parent, in one grouped statement.
pub async fn counts_per_parent<E, F>(
    db: &impl ConnectionTrait,
    scope: &Scope,
    parent: E::Column,
    parents: &[Uuid],
    filter: &F,
) -> Result<HashMap<Uuid, i64>, DbErr>
where
    E: ScopedEntity,
    F: ListFilter<E>,
{
    let counts: Vec<(Uuid, i64)> = filter
        .apply(scope.select::<E>())
        .filter(parent.is_in(parents.iter().copied()))
        .select_only()
        .column(parent)
        .column_as(
            Expr::col((E::default(), primary_key::<E>())).count(),
            "total",
        )
        .group_by(parent)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts.into_iter().collect())
}

/// Reading backwards flips the order; the page is turned round again afterwards.
fn reads_descending<F, K>(query: &ListQuery<F, K>) -> bool {
    query.sort.descending ^ (query.page.direction == Direction::Backward)
}

/// Keeps the rows strictly beyond the cursor in reading order.
fn positioned<E, F, K>(select: Select<E>, query: &ListQuery<F, K>) -> Select<E>
where
    E: EntityTrait,
    K: SortKey<Entity = E>,
{
    let Some(cursor) = &query.page.cursor else {
        return select;
    };
    let (column, key) = (query.sort.key.column(), primary_key::<E>());
    let (value, id) = (cursor.value.to_value(), cursor.key.to_value());
    let beyond = if reads_descending(query) {
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

/// The (single) primary key column of `E`.
fn primary_key<E: EntityTrait>() -> E::Column {
    E::PrimaryKey::iter()
        .next()
        .expect("every table has a primary key")
        .into_column()
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::assessments;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    struct ByCreation;

    impl SortKey for ByCreation {
        type Entity = assessments::Entity;
        const KEY_KIND: ValueKind = ValueKind::Uuid;
        fn column(self) -> assessments::Column {
            assessments::Column::CreatedAt
        }
        fn name(self) -> &'static str {
            "created_at"
        }
        fn kind(self) -> ValueKind {
            ValueKind::Time
        }
    }

    fn cursor() -> Cursor {
        Cursor {
            order: "created_at".into(),
            value: CursorValue::Time(Utc::now()),
            key: CursorValue::Uuid(Uuid::now_v7()),
        }
    }

    #[test]
    fn cursors_round_trip() {
        let cursor = cursor();
        assert_eq!(Cursor::decode(&cursor.encode(), ByCreation), Some(cursor));
    }

    #[test]
    fn malformed_or_foreign_cursors_are_refused() {
        assert_eq!(Cursor::decode("not a cursor", ByCreation), None);
        let mut other_order = cursor();
        other_order.order = "name".into();
        assert_eq!(Cursor::decode(&other_order.encode(), ByCreation), None);
        assert_eq!(Cursor::parse(&other_order.encode()), Some(other_order));
        assert_eq!(Cursor::parse("not a cursor"), None);
        let mut wrong_type = cursor();
        wrong_type.value = CursorValue::Text("2026-01-01".into());
        assert_eq!(Cursor::decode(&wrong_type.encode(), ByCreation), None);
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
