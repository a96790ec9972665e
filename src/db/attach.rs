//! The shape of a read: which columns it fetches and which to-one relations it joins.
//!
//! Columns that one field shows and nothing else reads (JSON documents such as an assessment's
//! answers, texts, timestamps for display) are read only when the query selects that field. A
//! to-one relation the query selects with its parents (an assessment's score or respondent, a
//! membership's person, an organisation's twin) is joined
//! onto the parents' statement and kept for the rest of the request, so the field that reads it
//! costs no round trip. The child's own scope is part of the join condition: a row the viewer
//! may not read is absent exactly as it would be from its own lookup.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use sea_orm::sea_query::{Expr, ExprTrait, JoinType, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Iterable, ModelTrait, QueryResult,
    Statement, TryGetError,
};

use entity::ReadByPosition;
use uuid::Uuid;

use super::loaders::Lookup;
use super::scope::{Scope, ScopedEntity};

/// A to-one relation: the row of lookup `Child` whose column holds the parent's `parent_column`.
pub trait ToOne: Send + Sync + 'static {
    type Parent: ScopedEntity;
    /// The lookup that resolves the field; its column is joined to the parent's.
    type Child: Lookup;
    /// The field of the parent's GraphQL type that reads the child.
    const FIELD: &'static str;
    /// Whether the database already proves the child visible whenever the parent is: the
    /// child belongs to the parent's organisation by a composite foreign key, is joined on the
    /// organisation's own id, or is the person a visible membership is of. Such a join keeps
    /// only the child's [`ScopedEntity::existing`] condition and leaves out its scope, whose
    /// subqueries cost a probe per row and whose repeated organisation parameter misled
    /// PostgreSQL's generic plans on large tenants into reading every child.
    const IMPLIED_BY_PARENT: bool;
    /// The parent column holding the child's key.
    fn parent_column() -> <Self::Parent as EntityTrait>::Column;
}

/// A [`ToOne`] of `E` with its types erased, so that a table can list its relations.
pub struct Relation<E: EntityTrait> {
    field: &'static str,
    /// How many columns the child's whole row takes.
    width: usize,
    omitted_unless: fn(&Selected<'_>) -> u32,
    join: fn(&mut SelectStatement, &Scope, &Joined),
    keep: fn(&QueryResult, &E::Model, &Joined, &mut Kept) -> Result<(), DbErr>,
    parent: PhantomData<E>,
}

impl<E: EntityTrait> Relation<E> {
    /// The relation `T`.
    pub const fn of<T: ToOne<Parent = E>>() -> Self {
        Self {
            field: T::FIELD,
            width: <ChildEntity<T> as EntityTrait>::Model::FIELDS.len(),
            omitted_unless: omitted_unless::<ChildEntity<T>>,
            join: join::<T>,
            keep: keep::<T>,
            parent: PhantomData,
        }
    }
}

type ChildEntity<T> = <<T as ToOne>::Child as Lookup>::Entity;

/// How one relation is joined into a read: the position of its first column, and which of
/// its columns it leaves out.
struct Joined {
    first: usize,
    omitted: u32,
}

/// The columns of `E` a read leaves out as `omitted` says, in column order.
fn read_columns<E: ScopedEntity>(omitted: u32) -> impl Iterator<Item = E::Column> {
    E::Column::iter()
        .enumerate()
        .filter(move |(index, _)| omitted & (1 << index) == 0)
        .map(|(_, column)| column)
}

/// The most to-one relations one table's reads can join.
pub const MAX_RELATIONS: usize = 2;

/// What a read fetches: which of the rows' columns it leaves out (bit `i` is the `i`th column,
/// one of [`ReadByPosition::READ_WHEN_SELECTED`]), and which of the table's relations it joins
/// (`relations[i]` is `relations()[i]`), each with the columns it leaves out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Shape {
    omitted: u32,
    relations: [Option<u32>; MAX_RELATIONS],
}

impl Shape {
    /// Every column, no relation.
    pub const NONE: Self = Self {
        omitted: 0,
        relations: [None; MAX_RELATIONS],
    };

    /// The shape a query's selection asks for: `selected(path)` tells whether the selection
    /// reads the field at `path` (GraphQL names). A column that may be left out is read only
    /// when a field of its name (camel-cased) is selected.
    pub fn selected<E: ScopedEntity>(selected: impl Fn(&[&str]) -> bool) -> Self {
        let mut shape = Self {
            omitted: omitted_unless::<E>(&|field| selected(&[field])),
            ..Self::NONE
        };
        for (index, relation) in E::relations().iter().enumerate() {
            if selected(&[relation.field]) {
                shape.relations[index] = Some((relation.omitted_unless)(&|field| {
                    selected(&[relation.field, field])
                }));
            }
        }
        shape
    }

    /// The columns the rows themselves leave out.
    pub fn omitted(self) -> u32 {
        self.omitted
    }

    /// The same read without relations.
    pub fn alone(self) -> Self {
        Self {
            omitted: self.omitted,
            ..Self::NONE
        }
    }

    fn relations<E: ScopedEntity>(self) -> impl Iterator<Item = (Joined, &'static Relation<E>)> {
        // Each joined row's columns follow the parent's and those of the relations before it.
        let parent_width = read_width::<E>(self.omitted);
        E::relations()
            .iter()
            .zip(self.relations)
            .filter_map(|(relation, omitted)| Some((relation, omitted?)))
            .scan(parent_width, |first, (relation, omitted)| {
                let joined = Joined {
                    first: *first,
                    omitted,
                };
                *first += relation.width - omitted.count_ones() as usize;
                Some((joined, relation))
            })
    }
}

/// Whether the field of a name is selected, among the fields of one object.
type Selected<'a> = dyn Fn(&str) -> bool + 'a;

/// How many columns a read of `E` leaving out `omitted` takes.
fn read_width<E: ScopedEntity>(omitted: u32) -> usize {
    E::Model::FIELDS.len() - omitted.count_ones() as usize
}

/// The columns of `E` a read leaves out unless `selected(field)` says the field of their name
/// (camel-cased) is selected.
fn omitted_unless<E: ScopedEntity>(selected: &Selected<'_>) -> u32 {
    let optional = E::Model::READ_WHEN_SELECTED;
    E::Model::FIELDS
        .iter()
        .enumerate()
        .filter(|&(index, column)| {
            optional & (1 << index) != 0 && !camel_case(column, |field| selected(field))
        })
        .fold(0, |omitted, (index, _)| omitted | (1 << index))
}

/// The longest column name a read can leave out.
pub const MAX_OPTIONAL_COLUMN_NAME: usize = 48;

/// Calls `with` on `column`'s name as a GraphQL field's (`maturity_level` → `maturityLevel`),
/// spelled on the stack: shapes are worked out for every object a query shows.
fn camel_case<R>(column: &str, with: impl FnOnce(&str) -> R) -> R {
    let mut field = [0u8; MAX_OPTIONAL_COLUMN_NAME];
    let mut length = 0;
    let mut word_starts = false;
    for byte in column.bytes() {
        if byte == b'_' {
            word_starts = true;
            continue;
        }
        field[length] = if word_starts {
            byte.to_ascii_uppercase()
        } else {
            byte
        };
        word_starts = false;
        length += 1;
    }
    with(std::str::from_utf8(&field[..length]).expect("column names are ASCII"))
}

/// The rows joined so far in one request, by lookup type: `Some(row)` (with the columns it
/// was read with), or `None` for a key the viewer has no row for; and the organisations whose
/// rows the request's scoped statements returned.
#[derive(Default)]
pub struct Prefetched {
    rows: Mutex<Kept>,
    organizations: Mutex<HashSet<Uuid>>,
}

type Kept = HashMap<TypeId, Box<dyn Any + Send>>;

/// What [`Prefetched::known`] found: rows already read, and keys still to read.
pub struct Known<L: Lookup> {
    pub found: Vec<(L::Key, Arc<Row<L>>)>,
    pub missing: Vec<L::Key>,
}

/// A row of lookup `L`.
type Row<L> = <<L as Lookup>::Entity as EntityTrait>::Model;

/// Each row with the columns it was read without.
type Rows<L> = HashMap<<L as Lookup>::Key, Option<(Arc<Row<L>>, u32)>>;

impl Prefetched {
    /// Splits `keys` into the rows already known (present or known to be absent) and the keys
    /// still to be read. A row answers a read that leaves out `omitted` when it holds every
    /// column that read takes.
    pub fn known<L: Lookup>(&self, keys: impl Iterator<Item = L::Key>, omitted: u32) -> Known<L> {
        let kept = self
            .rows
            .lock()
            .expect("the prefetch lock is never poisoned");
        let rows = kept
            .get(&TypeId::of::<L>())
            .and_then(|rows| rows.downcast_ref::<Rows<L>>());
        let mut known = Known {
            found: Vec::new(),
            missing: Vec::new(),
        };
        for key in keys {
            match rows.and_then(|rows| rows.get(&key)) {
                Some(Some((row, left_out))) if left_out & !omitted == 0 => {
                    known.found.push((key, row.clone()))
                }
                Some(None) => {}
                _ => known.missing.push(key),
            }
        }
        known
    }

    /// Whether a scoped statement of the request returned rows of `organization`.
    pub fn has_read_from(&self, organization: Uuid) -> bool {
        self.organizations
            .lock()
            .expect("the prefetch lock is never poisoned")
            .contains(&organization)
    }

    /// Forgets every row and organisation: what a mutation changed must be read again.
    pub fn clear(&self) {
        self.rows
            .lock()
            .expect("the prefetch lock is never poisoned")
            .clear();
        self.organizations
            .lock()
            .expect("the prefetch lock is never poisoned")
            .clear();
    }
}

/// A read of `E`'s rows in `shape`: its select list, then the joins and columns of its
/// relations in order, replace those of `select`.
pub fn shape_select<E: ScopedEntity>(select: &mut SelectStatement, scope: &Scope, shape: Shape) {
    select.clear_selects();
    // Rows are read by position, so columns need no aliases (nor their rendering).
    for column in read_columns::<E>(shape.omitted) {
        select.expr(column.select_as(column.into_expr()));
    }
    for (joined, relation) in shape.relations::<E>() {
        (relation.join)(select, scope, &joined);
    }
}

/// Selects into `select` the columns of `E` that a read in `shape` takes from it: the select
/// list of a subquery that [`shape_select`] reads.
pub fn select_read_columns<E: ScopedEntity>(select: &mut SelectStatement, shape: Shape) {
    select.clear_selects();
    for column in read_columns::<E>(shape.omitted) {
        select.column((E::default(), column));
    }
}

/// Runs a read of `E` built with [`shape_select`]: the parents, in order, with the attached
/// rows kept in `prefetched`.
pub async fn read_shaped<E: ScopedEntity>(
    db: &impl ConnectionTrait,
    statement: Statement,
    shape: Shape,
    prefetched: &Prefetched,
) -> Result<Vec<Arc<E::Model>>, DbErr> {
    let results = db.query_all_raw(statement).await?;
    let mut parents = Vec::with_capacity(results.len());
    let mut kept = prefetched
        .rows
        .lock()
        .expect("the prefetch lock is never poisoned");
    let mut organizations = prefetched
        .organizations
        .lock()
        .expect("the prefetch lock is never poisoned");
    for result in &results {
        let parent = E::Model::read_at(result, 0, shape.omitted)?;
        for (joined, relation) in shape.relations::<E>() {
            (relation.keep)(result, &parent, &joined, &mut kept)?;
        }
        if let Some(organization) = E::organization_of(&parent) {
            organizations.insert(organization);
        }
        parents.push(Arc::new(parent));
    }
    Ok(parents)
}

fn join<T: ToOne>(select: &mut SelectStatement, scope: &Scope, joined: &Joined) {
    let child = ChildEntity::<T>::default();
    let mut on = Condition::all().add(
        Expr::col((child, T::Child::column())).equals((T::Parent::default(), T::parent_column())),
    );
    on = on.add(if T::IMPLIED_BY_PARENT {
        ChildEntity::<T>::existing()
    } else {
        ChildEntity::<T>::visible(scope)
    });
    select.join(JoinType::LeftJoin, child, on);
    for column in read_columns::<ChildEntity<T>>(joined.omitted) {
        select.expr(column.select_as(column.into_expr()));
    }
}

fn keep<T: ToOne>(
    result: &QueryResult,
    parent: &<T::Parent as EntityTrait>::Model,
    joined: &Joined,
    kept: &mut Kept,
) -> Result<(), DbErr> {
    let Ok(key) = <<T::Child as Lookup>::Key as sea_orm::sea_query::ValueType>::try_from(
        parent.get(T::parent_column()),
    ) else {
        // A parent without the key (a null foreign key) has nothing attached.
        return Ok(());
    };
    // A missing row is all nulls, and its first required column fails to read.
    let row =
        match <ChildEntity<T> as EntityTrait>::Model::read_at(result, joined.first, joined.omitted)
        {
            Ok(row) => Some((Arc::new(row), joined.omitted)),
            Err(TryGetError::Null(_)) => None,
            Err(TryGetError::DbErr(error)) => return Err(error),
        };
    kept.entry(TypeId::of::<T::Child>())
        .or_insert_with(|| Box::new(Rows::<T::Child>::new()))
        .downcast_mut::<Rows<T::Child>>()
        .expect("one rows type per lookup")
        .insert(key, row);
    Ok(())
}

macro_rules! to_one {
    ($($(#[$meta:meta])* $name:ident: $parent:ident.$column:ident as $field:literal
        => $child:ty, implied by parent: $implied:literal;)+) => {
        $(
            $(#[$meta])*
            pub struct $name;

            impl ToOne for $name {
                type Parent = entity::$parent::Entity;
                type Child = $child;
                const FIELD: &'static str = $field;
                const IMPLIED_BY_PARENT: bool = $implied;
                fn parent_column() -> entity::$parent::Column {
                    entity::$parent::Column::$column
                }
            }
        )+
    };
}

to_one! {
    /// An assessment's score: the foreign key `(assessment_id, organization_id)` keeps it in
    /// its assessment's organisation.
    ScoreOfAssessmentRow: assessments.Id as "score"
        => super::loaders::ScoreOfAssessment, implied by parent: true;
    /// The person who answered an assessment; people follow their own rule.
    RespondentOfAssessment: assessments.UserId as "respondent"
        => super::loaders::UserById, implied by parent: false;
    /// The person a membership is of: anyone with a membership of one of the viewer's
    /// organisations is someone the viewer may know of.
    PersonOfMembership: organization_members.UserId as "user"
        => super::loaders::UserById, implied by parent: true;
    /// An organisation's digital twin, joined on the organisation's id.
    TwinOfOrganizationRow: organizations.Id as "digitalTwin"
        => super::loaders::TwinOfOrganization, implied by parent: true;
}

/// Fails unless reads of `E` always take `column`: a key rows are matched by, a sort column
/// cursors are built from, or the column a relation or page groups rows by.
#[cfg(test)]
pub fn assert_always_read<E: ScopedEntity>(column: E::Column) {
    let name = sea_orm::IdenStatic::as_str(&column);
    let index = E::Model::FIELDS
        .iter()
        .position(|field| *field == name)
        .expect("a column of the table");
    assert_eq!(E::Model::READ_WHEN_SELECTED & (1 << index), 0, "{name}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_always_read_their_keys() {
        fn keys<T: ToOne>() {
            assert_always_read::<T::Parent>(T::parent_column());
            assert_always_read::<ChildEntity<T>>(T::Child::column());
        }
        keys::<ScoreOfAssessmentRow>();
        keys::<RespondentOfAssessment>();
        keys::<PersonOfMembership>();
        keys::<TwinOfOrganizationRow>();
    }

    #[test]
    fn columns_are_spelled_as_fields() {
        for (column, field) in [
            ("id", "id"),
            ("maturity_level", "maturityLevel"),
            ("linkedin_url", "linkedinUrl"),
            ("ai_readiness_score", "aiReadinessScore"),
        ] {
            camel_case(column, |spelled| assert_eq!(spelled, field));
        }
    }

    #[test]
    fn a_read_leaves_out_only_optional_columns_whose_field_is_not_selected() {
        use entity::assessment_scores::Model;
        let selected = ["overallScore", "insights"];
        let omitted =
            omitted_unless::<entity::assessment_scores::Entity>(&|field| selected.contains(&field));
        let left_out: Vec<&str> = Model::FIELDS
            .iter()
            .enumerate()
            .filter(|(index, _)| omitted & (1 << index) != 0)
            .map(|(_, column)| *column)
            .collect();
        assert_eq!(
            left_out,
            [
                "category_scores",
                "recommendations",
                "next_steps",
                "confidence",
                "swot",
                "maturity_level",
                "created_at",
            ]
        );
    }
}
