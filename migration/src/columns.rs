//! Column and constraint builders shared by the migrations, so every table spells keys,
//! timestamps, JSON and enumerations the same way on both backends.

use sea_orm_migration::prelude::*;

/// A UUID primary key; values are v7 UUIDs generated in Rust.
pub fn uuid_pk(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().primary_key().take()
}

/// A required UUID column (usually a foreign key).
pub fn uuid_col(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

/// A required text column.
pub fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

/// An optional text column.
pub fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

/// A required JSON column: JSONB on PostgreSQL, JSON text on SQLite.
pub fn json(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).json_binary().not_null().take()
}

/// An optional JSON column.
pub fn json_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).json_binary().null().take()
}

/// A required point in time (UTC).
pub fn timestamp(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

/// An optional point in time (UTC).
pub fn timestamp_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .take()
}

/// An unbounded decimal; its range and scale are enforced by a CHECK so that a value with too
/// many decimals is refused rather than silently rounded.
pub fn decimal(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).decimal().not_null().take()
}

/// `created_at` and `updated_at`, on every table.
pub fn with_timestamps(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp("created_at"))
        .col(timestamp("updated_at"))
}

/// A named CHECK that `column` holds one of `values`.
pub fn check_in(name: &str, column: &str, values: &[&str]) -> Check {
    let list = values
        .iter()
        .map(|value| format!("'{value}'"))
        .collect::<Vec<_>>()
        .join(", ");
    (name.to_owned(), Expr::cust(format!("{column} IN ({list})"))).into()
}

/// A named CHECK from a portable SQL expression.
pub fn check(name: &str, sql: &str) -> Check {
    (name.to_owned(), Expr::cust(sql.to_owned())).into()
}

/// A named CHECK that a decimal lies in `min..=max` and has at most two decimals.
pub fn check_two_decimals(name: &str, column: &str, min: u32, max: u32) -> Check {
    check(
        name,
        &format!("{column} >= {min} AND {column} <= {max} AND round({column}, 2) = {column}"),
    )
}

/// A foreign key with a deliberate ON DELETE rule.
pub fn foreign_key(
    name: &'static str,
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::NoAction)
        .take()
}

/// Runs portable SQL statements (indexes, expression indexes) one by one.
pub async fn execute_all(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let connection = manager.get_connection();
    for statement in statements {
        connection.execute_unprepared(statement).await?;
    }
    Ok(())
}

/// Drops tables in the given order (children before parents).
pub async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: &[&'static str],
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(*table).if_exists().take())
            .await?;
    }
    Ok(())
}
