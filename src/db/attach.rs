//! To-one relations read in the same statement as their parents. When a query selects an
//! assessment's score or respondent, or a membership's person, those rows are joined onto the
//! statement that reads the parents and kept for the rest of the request; the lookup that
//! resolves the field then finds them without a round trip of its own. The child's own scope
//! is part of the join condition, so a row the viewer may not read is absent exactly as it
//! would be from its own lookup.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, SelectExpr, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Iterable,
    ModelTrait, QueryResult, Statement, TryGetError,
};

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
    /// child belongs to the parent's organisation by a composite foreign key, or is joined on
    /// the organisation's own id. Such a join leaves out the child's scope condition, whose
    /// repeated organisation parameter misleads PostgreSQL's generic plans on large tenants
    /// into reading every child of the organisation.
    const IMPLIED_BY_PARENT: bool;
    /// The parent column holding the child's key.
    fn parent_column() -> <Self::Parent as EntityTrait>::Column;
}

/// A [`ToOne`] of `E` with its types erased, so that a table can list its relations.
pub struct Relation<E: EntityTrait> {
    field: &'static str,
    join: fn(&mut SelectStatement, &Scope, &str),
    keep: fn(&QueryResult, &E::Model, &str, &mut Kept) -> Result<(), DbErr>,
    parent: PhantomData<E>,
}

impl<E: EntityTrait> Relation<E> {
    /// The relation `T`.
    pub const fn of<T: ToOne<Parent = E>>() -> Self {
        Self {
            field: T::FIELD,
            join: join::<T>,
            keep: keep::<T>,
            parent: PhantomData,
        }
    }
}

/// Which of a table's relations a read joins: bit `i` is `relations()[i]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Attach(u8);

impl Attach {
    /// No relation.
    pub const NONE: Self = Self(0);

    /// The relations of `E` whose field `selected` says the query reads.
    pub fn selected<E: ScopedEntity>(selected: impl Fn(&str) -> bool) -> Self {
        let bits = E::relations()
            .iter()
            .enumerate()
            .filter(|(_, relation)| selected(relation.field))
            .fold(0, |bits, (index, _)| bits | 1 << index);
        Self(bits)
    }

    fn relations<E: ScopedEntity>(self) -> impl Iterator<Item = (String, &'static Relation<E>)> {
        E::relations()
            .iter()
            .enumerate()
            .filter(move |(index, _)| self.0 & (1 << index) != 0)
            .map(|(index, relation)| (format!("attached{index}_"), relation))
    }
}

/// The rows joined so far in one request, by lookup type: `Some(row)`, or `None` for a key
/// the viewer has no row for.
#[derive(Default)]
pub struct Prefetched(Mutex<Kept>);

type Kept = HashMap<TypeId, Box<dyn Any + Send>>;

/// What [`Prefetched::known`] found: rows already read, and keys still to read.
pub struct Known<L: Lookup> {
    pub found: Vec<(L::Key, Arc<Row<L>>)>,
    pub missing: Vec<L::Key>,
}

/// A row of lookup `L`.
type Row<L> = <<L as Lookup>::Entity as EntityTrait>::Model;

type Rows<L> = HashMap<<L as Lookup>::Key, Option<Arc<Row<L>>>>;

impl Prefetched {
    /// Splits `keys` into the rows already known (present or known to be absent) and the keys
    /// still to be read.
    pub fn known<L: Lookup>(&self, keys: impl Iterator<Item = L::Key>) -> Known<L> {
        let kept = self.0.lock().expect("the prefetch lock is never poisoned");
        let rows = kept
            .get(&TypeId::of::<L>())
            .and_then(|rows| rows.downcast_ref::<Rows<L>>());
        let mut known = Known {
            found: Vec::new(),
            missing: Vec::new(),
        };
        for key in keys {
            match rows.and_then(|rows| rows.get(&key)) {
                Some(Some(row)) => known.found.push((key, row.clone())),
                Some(None) => {}
                None => known.missing.push(key),
            }
        }
        known
    }

    /// Forgets every row: what a mutation changed must be read again.
    pub fn clear(&self) {
        self.0
            .lock()
            .expect("the prefetch lock is never poisoned")
            .clear();
    }
}

/// Adds the joins and the prefixed columns of `attach`'s relations to a read of `E`.
pub fn join_attached<E: ScopedEntity>(select: &mut SelectStatement, scope: &Scope, attach: Attach) {
    for (prefix, relation) in attach.relations::<E>() {
        (relation.join)(select, scope, &prefix);
    }
}

/// Runs a read of `E` built with [`join_attached`]: the parents, in order, with the attached
/// rows kept in `prefetched`.
pub async fn read_attached<E: ScopedEntity>(
    db: &impl ConnectionTrait,
    statement: Statement,
    attach: Attach,
    prefetched: &Prefetched,
) -> Result<Vec<Arc<E::Model>>, DbErr> {
    let results = db.query_all_raw(statement).await?;
    let mut parents = Vec::with_capacity(results.len());
    let mut kept = prefetched
        .0
        .lock()
        .expect("the prefetch lock is never poisoned");
    for result in &results {
        let parent = <E::Model as FromQueryResult>::from_query_result(result, "")?;
        for (prefix, relation) in attach.relations::<E>() {
            (relation.keep)(result, &parent, &prefix, &mut kept)?;
        }
        parents.push(Arc::new(parent));
    }
    Ok(parents)
}

fn join<T: ToOne>(select: &mut SelectStatement, scope: &Scope, prefix: &str) {
    type ChildEntity<T> = <<T as ToOne>::Child as Lookup>::Entity;
    let child = ChildEntity::<T>::default();
    let mut on = Condition::all().add(
        Expr::col((child, T::Child::column())).equals((T::Parent::default(), T::parent_column())),
    );
    if !T::IMPLIED_BY_PARENT {
        on = on.add(ChildEntity::<T>::visible(scope));
    }
    select.join(JoinType::LeftJoin, child, on);
    for column in <ChildEntity<T> as EntityTrait>::Column::iter() {
        select.expr(SelectExpr {
            expr: column.select_as(column.into_expr()),
            alias: Some(
                Alias::new(format!("{prefix}{}", sea_orm::IdenStatic::as_str(&column))).into(),
            ),
            window: None,
        });
    }
}

fn keep<T: ToOne>(
    result: &QueryResult,
    parent: &<T::Parent as EntityTrait>::Model,
    prefix: &str,
    kept: &mut Kept,
) -> Result<(), DbErr> {
    let Ok(key) = <<T::Child as Lookup>::Key as sea_orm::sea_query::ValueType>::try_from(
        parent.get(T::parent_column()),
    ) else {
        // A parent without the key (a null foreign key) has nothing attached.
        return Ok(());
    };
    let row = match <<T::Child as Lookup>::Entity as EntityTrait>::Model::from_query_result_nullable(
        result, prefix,
    ) {
        Ok(row) => Some(Arc::new(row)),
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
    /// The person a membership is of.
    PersonOfMembership: organization_members.UserId as "user"
        => super::loaders::UserById, implied by parent: false;
    /// An organisation's digital twin, joined on the organisation's id.
    TwinOfOrganizationRow: organizations.Id as "digitalTwin"
        => super::loaders::TwinOfOrganization, implied by parent: true;
}
