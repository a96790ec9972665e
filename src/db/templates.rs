//! Rendered reads by key, kept per shape. A `node(id:)` or a to-one field reads one table by
//! key within the viewer's scope: the same statement every time but for its parameters.
//! Building and rendering it with sea-query (the scope subquery is most of the tree, and
//! sea-query clones a `WHERE` clause to render it) was a tenth of the server's time on
//! `lookup` (BENCHMARKS.md). The first read of a shape is built as before and kept as its text
//! plus where each parameter comes from; later reads of that shape bind their own viewer and
//! keys to that text.
//!
//! A statement is only kept when every one of its parameters is the viewer or one of the keys
//! and none is both, so a kept text never carries a value of the request that built it.

use std::any::TypeId;
use std::sync::Arc;

use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sea_orm::{Statement, Value};
use uuid::Uuid;

use super::attach::Shape;

/// What a by-key read's text depends on, besides the database it is rendered for: what is
/// read (the lookup's type), in which shape, whether there is a viewer, and how many keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadShape {
    read: TypeId,
    shape: Shape,
    viewer: bool,
    keys: usize,
}

impl ReadShape {
    /// The read of `keys` keys of lookup `L` in `shape`, with or without a viewer.
    pub fn of<L: 'static>(shape: Shape, viewer: bool, keys: usize) -> Self {
        Self {
            read: TypeId::of::<L>(),
            shape,
            viewer,
            keys,
        }
    }
}

/// The rendered reads of one database, bounded by the memory their text takes.
pub struct StatementTemplates {
    cache: Cache<ReadShape, Arc<Template>, TextWeight>,
}

impl StatementTemplates {
    /// Templates taking at most about `memory` bytes.
    pub fn new(memory: u64) -> Self {
        Self {
            cache: Cache::with_weighter(EXPECTED_SHAPES, memory, TextWeight),
        }
    }

    /// The statement reading `keys` for `viewer` in `shape`: bound to the kept text when
    /// there is one, else built by `build` (and kept when it can be).
    pub fn statement(
        &self,
        shape: ReadShape,
        viewer: Option<Uuid>,
        keys: &[Value],
        build: impl FnOnce() -> Statement,
    ) -> Statement {
        if let Some(template) = self.cache.get(&shape) {
            return template.bind(viewer, keys);
        }
        let statement = build();
        if let Some(template) = Template::of(&statement, viewer, keys) {
            self.cache.insert(shape, Arc::new(template));
        }
        statement
    }

    /// How many read shapes are kept.
    pub fn kept(&self) -> usize {
        self.cache.len()
    }
}

/// How many distinct by-key reads a deployment renders: lookups × shapes × batch sizes.
const EXPECTED_SHAPES: usize = 1024;

/// A rendered statement and where each of its parameters comes from.
#[derive(Debug)]
struct Template {
    statement: Statement,
    parameters: Vec<Parameter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parameter {
    Viewer,
    Key(usize),
}

impl Template {
    /// The template of `statement`, built for `viewer` and `keys`; `None` when one of its
    /// parameters is neither the viewer nor a key, or could be either.
    fn of(statement: &Statement, viewer: Option<Uuid>, keys: &[Value]) -> Option<Self> {
        let viewer = viewer.map(Value::from);
        let values = statement
            .values
            .as_ref()
            .map_or(&[][..], |values| &values.0);
        let parameters = values
            .iter()
            .map(|value| {
                let is_viewer = viewer.as_ref() == Some(value);
                let key = keys.iter().position(|key| key == value);
                match (is_viewer, key) {
                    (true, None) => Some(Parameter::Viewer),
                    (false, Some(index)) => Some(Parameter::Key(index)),
                    _ => None,
                }
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            statement: Statement {
                values: None,
                ..statement.clone()
            },
            parameters,
        })
    }

    /// The statement for `viewer` and `keys`.
    fn bind(&self, viewer: Option<Uuid>, keys: &[Value]) -> Statement {
        let values = self.parameters.iter().map(|parameter| match parameter {
            Parameter::Viewer => Value::from(viewer),
            Parameter::Key(index) => keys[*index].clone(),
        });
        Statement::from_sql_and_values(
            self.statement.db_backend,
            self.statement.sql.clone(),
            values,
        )
    }
}

/// A template weighs its text's bytes, plus a little for each parameter.
#[derive(Clone)]
struct TextWeight;

impl Weighter<ReadShape, Arc<Template>> for TextWeight {
    fn weight(&self, _shape: &ReadShape, template: &Arc<Template>) -> u64 {
        (template.statement.sql.len() + 16 * template.parameters.len()) as u64
    }
}

#[cfg(test)]
mod tests {
    use entity::assessments;
    use sea_orm::{ColumnTrait, DbBackend, QueryFilter, QueryTrait};

    use super::*;
    use crate::db::scope::Scope;

    const SHAPE: Shape = Shape::NONE;

    /// Assessments by id for `viewer`, as the loaders build them, narrowed by `status` when
    /// given (a parameter that is neither the viewer nor a key).
    fn by_id(
        backend: DbBackend,
        viewer: Option<Uuid>,
        keys: &[Value],
        status: Option<&str>,
    ) -> Statement {
        let scope = viewer.map(Scope::of_user).unwrap_or_default();
        let mut select = scope
            .select::<assessments::Entity>()
            .filter(assessments::Column::Id.is_in(keys.iter().cloned()));
        if let Some(status) = status {
            select = select.filter(assessments::Column::Status.eq(status));
        }
        backend.build(&select.into_query())
    }

    fn keys(count: usize) -> Vec<Value> {
        (0..count).map(|_| Value::from(Uuid::new_v4())).collect()
    }

    fn read(
        templates: &StatementTemplates,
        backend: DbBackend,
        viewer: Option<Uuid>,
        keys: &[Value],
    ) -> Statement {
        templates.statement(
            ReadShape::of::<assessments::Entity>(SHAPE, viewer.is_some(), keys.len()),
            viewer,
            keys,
            || by_id(backend, viewer, keys, None),
        )
    }

    #[test]
    fn a_kept_read_binds_the_next_viewer_and_keys_as_a_fresh_build_would() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let templates = StatementTemplates::new(1 << 20);
            let (first, second) = (Some(Uuid::new_v4()), Some(Uuid::new_v4()));
            let built = read(&templates, backend, first, &keys(2));
            assert_eq!(templates.kept(), 1);
            let next_keys = keys(2);
            let bound = templates.statement(
                ReadShape::of::<assessments::Entity>(SHAPE, true, 2),
                second,
                &next_keys,
                || panic!("a kept shape is not built again"),
            );
            let fresh = by_id(backend, second, &next_keys, None);
            assert_eq!(bound.sql, fresh.sql);
            assert_eq!(bound.sql, built.sql);
            assert_eq!(bound.values, fresh.values);
            assert!(
                bound
                    .values
                    .as_ref()
                    .is_some_and(|values| values.0.contains(&Value::from(second))
                        && !values.0.contains(&Value::from(first))),
                "{bound:?}"
            );
        }
    }

    #[test]
    fn each_key_count_is_a_shape_of_its_own() {
        let templates = StatementTemplates::new(1 << 20);
        let backend = DbBackend::Postgres;
        let viewer = Some(Uuid::new_v4());
        read(&templates, backend, viewer, &keys(1));
        read(&templates, backend, viewer, &keys(3));
        assert_eq!(templates.kept(), 2);
        // Without a viewer the scope denies with `1 = 2`, bound as two numbers that are
        // neither viewer nor key: such a read is built every time.
        let anonymous = read(&templates, backend, None, &keys(1));
        assert_eq!(templates.kept(), 2);
        assert_eq!(anonymous.sql, by_id(backend, None, &keys(1), None).sql);
    }

    #[test]
    fn a_parameter_that_is_not_the_viewer_or_a_key_alone_is_never_kept() {
        let templates = StatementTemplates::new(1 << 20);
        let backend = DbBackend::Sqlite;
        let viewer = Uuid::new_v4();
        // The viewer looking themselves up: the parameter could be either.
        let own = [Value::from(viewer)];
        let shape = ReadShape::of::<assessments::Entity>(SHAPE, true, 1);
        templates.statement(shape, Some(viewer), &own, || {
            by_id(backend, Some(viewer), &own, None)
        });
        // A value from somewhere else.
        let other = keys(1);
        templates.statement(shape, Some(viewer), &other, || {
            by_id(backend, Some(viewer), &other, Some("completed"))
        });
        assert_eq!(templates.kept(), 0);
    }
}
