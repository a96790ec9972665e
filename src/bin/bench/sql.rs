//! SQL written once for both backends: `?` placeholders, numbered for PostgreSQL.

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, Value};

/// Runs `sql` written with `?` placeholders on either backend.
pub async fn query(
    db: &DatabaseConnection,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Result<Vec<QueryResult>, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_sql_and_values(
        backend,
        numbered(backend, sql),
        values,
    ))
    .await
}

/// `?` placeholders as PostgreSQL's `$1, $2, …`; SQLite takes them as they are.
pub fn numbered(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut numbered = String::with_capacity(sql.len() + 16);
    for (index, part) in sql.split('?').enumerate() {
        if index > 0 {
            numbered.push_str(&format!("${index}"));
        }
        numbered.push_str(part);
    }
    numbered
}

pub async fn scalar(
    db: &DatabaseConnection,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> anyhow::Result<i64> {
    let rows = query(db, sql, values).await?;
    Ok(rows.first().context("a row")?.try_get_by_index(0)?)
}
