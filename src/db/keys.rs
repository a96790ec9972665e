//! Matching a column against a list of keys, as each backend does it best.

use sea_orm::DbBackend;
use sea_orm::Value;
use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{Expr, ExprTrait, ValueType};

/// `column` is one of `keys`. On PostgreSQL the keys are one array parameter (`= ANY($1)`), so
/// the statement's text, its prepared statement and its plan are the same whatever their
/// number; SQLite has no arrays and takes them as a list. No keys match nothing.
pub fn any_of<K>(backend: DbBackend, column: Expr, keys: impl IntoIterator<Item = K>) -> Expr
where
    K: Into<Value> + ValueType,
{
    let keys: Vec<Value> = keys.into_iter().map(Into::into).collect();
    if keys.is_empty() {
        // Renders as `1 = 2`.
        return column.is_in(keys);
    }
    match backend {
        DbBackend::Postgres => column.eq(PgFunc::any(array::<K>(keys))),
        _ => column.is_in(keys),
    }
}

/// `keys` as one PostgreSQL array parameter of `K`'s type.
pub fn array<K: ValueType>(keys: Vec<Value>) -> Expr {
    Expr::val(Value::Array(K::array_type(), Some(Box::new(keys))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, Query, SqliteQueryBuilder};
    use uuid::Uuid;

    fn rendered(backend: DbBackend, keys: Vec<Uuid>) -> (String, usize) {
        let statement = Query::select()
            .column("id")
            .from("t")
            .and_where(any_of(backend, Expr::col("id"), keys))
            .to_owned();
        let (sql, values) = match backend {
            DbBackend::Postgres => statement.build(PostgresQueryBuilder),
            _ => statement.build(SqliteQueryBuilder),
        };
        (sql, values.0.len())
    }

    #[test]
    fn postgres_binds_one_array_whatever_the_number_of_keys() {
        let (two, two_values) = rendered(DbBackend::Postgres, vec![Uuid::now_v7(); 2]);
        let (many, many_values) = rendered(DbBackend::Postgres, vec![Uuid::now_v7(); 500]);
        assert_eq!(two, many);
        assert!(two.contains("\"id\" = ANY($1)"), "{two}");
        assert_eq!((two_values, many_values), (1, 1));
    }

    #[test]
    fn sqlite_binds_each_key() {
        let (sql, values) = rendered(DbBackend::Sqlite, vec![Uuid::now_v7(); 3]);
        assert!(sql.contains("IN (?, ?, ?)"), "{sql}");
        assert_eq!(values, 3);
    }

    #[test]
    fn no_keys_match_nothing() {
        let sql = Query::select()
            .column("id")
            .from("t")
            .and_where(any_of(
                DbBackend::Postgres,
                Expr::col("id"),
                Vec::<Uuid>::new(),
            ))
            .to_string(PostgresQueryBuilder);
        assert!(sql.ends_with("WHERE 1 = 2"), "{sql}");
    }
}
