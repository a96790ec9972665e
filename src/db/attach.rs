//! The shape of a read: which columns it fetches and which to-one relations it joins.
//!
//! JSON documents (an assessment's answers, a score's categories and advice) are read only when
//! the query selects them. A to-one relation the query selects with its parents (an
//! assessment's score or respondent, a membership's person, an organisation's twin) is joined
//! onto the parents' statement and kept for the rest of the request, so the field that reads it
//! costs no round trip. The child's own scope is part of the join condition: a row the viewer
//! may not read is absent exactly as it would be from its own lookup.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, JoinType, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, Iterable, ModelTrait,
    QueryResult, Statement, TryGetError,
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
    /// How many columns the child's row takes.
    width: usize,
    deferred_fields: fn() -> Vec<String>,
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
            deferred_fields: deferred_fields::<ChildEntity<T>>,
            join: join::<T>,
            keep: keep::<T>,
            parent: PhantomData,
        }
    }
}

type ChildEntity<T> = <<T as ToOne>::Child as Lookup>::Entity;

/// How one relation is joined into a read: the position of its first column, and which
/// columns it reads.
struct Joined {
    first: usize,
    columns: Columns,
}

/// Which columns a read fetches: all, or all but the table's deferred ones (JSON documents),
/// which are then read as empty JSON placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    lean: bool,
    backend: DbBackend,
}

impl Columns {
    /// The select expression of `column` of `E`. A joined row passes the column that is null
    /// exactly when the row is missing, so that its placeholders are null then too.
    fn expr<E: ScopedEntity>(self, column: E::Column, presence: Option<Expr>) -> Expr {
        if !(self.lean && is_deferred::<E>(column)) {
            return column.select_as(column.into_expr());
        }
        let placeholder = Expr::cust(if self.backend == DbBackend::Postgres {
            "'{}'::jsonb"
        } else {
            "'{}'"
        });
        match presence {
            Some(present) => CaseStatement::new()
                .case(present.is_null(), Expr::cust("NULL"))
                .finally(placeholder)
                .into(),
            None => placeholder,
        }
    }
}

/// What a read fetches: whether it leaves out its rows' deferred columns, and which of the
/// table's relations it joins (bit `i` is `relations()[i]`), each lean or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Shape {
    lean: bool,
    relations: u8,
    lean_relations: u8,
}

impl Shape {
    /// Every column, no relation.
    pub const NONE: Self = Self {
        lean: false,
        relations: 0,
        lean_relations: 0,
    };

    /// The shape a query's selection asks for: `selected(path)` tells whether the selection
    /// reads the field at `path` (GraphQL names). Deferred columns are left out unless a field
    /// of the same name (camel-cased) is selected.
    pub fn selected<E: ScopedEntity>(selected: impl Fn(&[&str]) -> bool) -> Self {
        // Lean only where there is something to leave out, so that a read of a table without
        // deferred columns has one shape.
        let lean = |prefix: Option<&str>, fields: Vec<String>| {
            !fields.is_empty()
                && !fields.iter().any(|field| match prefix {
                    Some(relation) => selected(&[relation, field]),
                    None => selected(&[field]),
                })
        };
        let mut shape = Self {
            lean: lean(None, deferred_fields::<E>()),
            ..Self::NONE
        };
        for (index, relation) in E::relations().iter().enumerate() {
            if selected(&[relation.field]) {
                shape.relations |= 1 << index;
                if lean(Some(relation.field), (relation.deferred_fields)()) {
                    shape.lean_relations |= 1 << index;
                }
            }
        }
        shape
    }

    /// Whether the rows themselves leave out their deferred columns.
    pub fn lean(self) -> bool {
        self.lean
    }

    /// The same read without relations.
    pub fn alone(self) -> Self {
        Self {
            lean: self.lean,
            ..Self::NONE
        }
    }

    fn relations<E: ScopedEntity>(
        self,
        backend: DbBackend,
    ) -> impl Iterator<Item = (Joined, &'static Relation<E>)> {
        // Each joined row's columns follow the parent's and those of the relations before it.
        E::relations()
            .iter()
            .enumerate()
            .filter(move |(index, _)| self.relations & (1 << index) != 0)
            .scan(E::Model::FIELDS.len(), move |first, (index, relation)| {
                let joined = Joined {
                    first: *first,
                    columns: Columns {
                        lean: self.lean_relations & (1 << index) != 0,
                        backend,
                    },
                };
                *first += relation.width;
                Some((joined, relation))
            })
    }
}

fn is_deferred<E: ScopedEntity>(column: E::Column) -> bool {
    let name = sea_orm::IdenStatic::as_str(&column);
    E::deferred()
        .iter()
        .any(|deferred| sea_orm::IdenStatic::as_str(deferred) == name)
}

/// The GraphQL names of `E`'s deferred columns: their names, camel-cased.
fn deferred_fields<E: ScopedEntity>() -> Vec<String> {
    E::deferred()
        .iter()
        .map(|column| {
            let mut field = String::new();
            for (index, word) in sea_orm::IdenStatic::as_str(column).split('_').enumerate() {
                let mut letters = word.chars();
                match letters.next() {
                    Some(first) if index > 0 => {
                        field.extend(first.to_uppercase());
                        field.push_str(letters.as_str());
                    }
                    _ => field.push_str(word),
                }
            }
            field
        })
        .collect()
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

type Rows<L> = HashMap<<L as Lookup>::Key, Option<(Arc<Row<L>>, Columns)>>;

impl Prefetched {
    /// Splits `keys` into the rows already known (present or known to be absent) and the keys
    /// still to be read. A lean row answers only a `lean` read.
    pub fn known<L: Lookup>(&self, keys: impl Iterator<Item = L::Key>, lean: bool) -> Known<L> {
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
                Some(Some((row, columns))) if lean || !columns.lean => {
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
pub fn shape_select<E: ScopedEntity>(
    select: &mut SelectStatement,
    scope: &Scope,
    shape: Shape,
    backend: DbBackend,
) {
    let columns = Columns {
        lean: shape.lean,
        backend,
    };
    select.clear_selects();
    // Rows are read by position, so columns need no aliases (nor their rendering).
    for column in E::Column::iter() {
        select.expr(columns.expr::<E>(column, None));
    }
    for (joined, relation) in shape.relations::<E>(backend) {
        (relation.join)(select, scope, &joined);
    }
}

/// Selects into `select` the columns of `E` that a read in `shape` takes from it (a lean read
/// leaves out the deferred ones): the select list of a subquery that [`shape_select`] reads.
pub fn select_read_columns<E: ScopedEntity>(select: &mut SelectStatement, shape: Shape) {
    select.clear_selects();
    for column in E::Column::iter() {
        if !(shape.lean && is_deferred::<E>(column)) {
            select.column((E::default(), column));
        }
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
    let backend = db.get_database_backend();
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
        let parent = E::Model::read_at(result, 0)?;
        for (joined, relation) in shape.relations::<E>(backend) {
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
    for column in <ChildEntity<T> as EntityTrait>::Column::iter() {
        let presence = Expr::col((child, T::Child::column()));
        select.expr(
            joined
                .columns
                .expr::<ChildEntity<T>>(column, Some(presence)),
        );
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
    let row = match <ChildEntity<T> as EntityTrait>::Model::read_at(result, joined.first) {
        Ok(row) => Some((Arc::new(row), joined.columns)),
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
