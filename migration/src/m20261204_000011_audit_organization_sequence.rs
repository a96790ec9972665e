//! Each organisation's audit log counts its own entries. The row id counts every
//! organisation's changes, so showing it (as a sequence, an ID or a cursor) told an owner how
//! much other organisations wrote; `organization_sequence` counts from 1 per organisation, and
//! an entry is named by its hash, which is unique and counts nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::columns::execute_all;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Numbers the existing rows of each organisation in the order they were written. `UPDATE …
/// FROM` is spelt alike by PostgreSQL and SQLite (3.33 on).
const NUMBER_EXISTING_ROWS: &str = "UPDATE audit_log SET organization_sequence = numbered.n
     FROM (SELECT id, row_number() OVER (PARTITION BY organization_id ORDER BY id) AS n
           FROM audit_log WHERE organization_id IS NOT NULL) AS numbered
     WHERE audit_log.id = numbered.id";

const INDEXES: [&str; 2] = [
    "CREATE UNIQUE INDEX ux_audit_log_org_sequence \
     ON audit_log (organization_id, organization_sequence)",
    "CREATE UNIQUE INDEX ux_audit_log_hash ON audit_log (hash)",
];

/// PostgreSQL's append-only trigger compares whole rows, so it covers the new column by
/// itself; it is set aside only while the existing rows are numbered.
const POSTGRES: [&str; 3] = [
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    NUMBER_EXISTING_ROWS,
    "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
];

/// SQLite's trigger names its columns: it is written again with the new one (and, going
/// down, without it, since SQLite drops no column a trigger names).
fn sqlite_update_guard(new_column: bool) -> String {
    let sequence = if new_column {
        "OR NEW.organization_sequence IS NOT OLD.organization_sequence"
    } else {
        ""
    };
    format!(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
         WHEN NEW.id IS NOT OLD.id OR NEW.created_at IS NOT OLD.created_at
           OR NEW.organization_id IS NOT OLD.organization_id {sequence}
           OR NEW.actor_user_id IS NOT OLD.actor_user_id OR NEW.table_name IS NOT OLD.table_name
           OR NEW.record_id IS NOT OLD.record_id OR NEW.operation IS NOT OLD.operation
           OR NEW.old_values IS NOT OLD.old_values OR NEW.new_values IS NOT OLD.new_values
           OR NEW.request_id IS NOT OLD.request_id OR NEW.user_agent IS NOT OLD.user_agent
           OR NEW.session_id IS NOT OLD.session_id OR NEW.prev_hash IS NOT OLD.prev_hash
           OR NEW.hash IS NOT OLD.hash
         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too, so every statement runs on one connection: another
    /// pooled connection's stale schema would still see the trigger this drops.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("audit_log")
                    .add_column(
                        ColumnDef::new("organization_sequence")
                            .big_integer()
                            .null()
                            // Only an organisation's entries are counted, each from 1.
                            .check(Expr::cust(
                                "organization_sequence IS NULL OR organization_sequence >= 1",
                            ))
                            .take(),
                    )
                    .take(),
            )
            .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => execute_all(manager, &POSTGRES).await?,
            _ => {
                let guard = sqlite_update_guard(true);
                execute_all(
                    manager,
                    &[
                        NUMBER_EXISTING_ROWS,
                        "DROP TRIGGER audit_log_no_update",
                        &guard,
                    ],
                )
                .await?
            }
        }
        execute_all(manager, &INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_all(
            manager,
            &[
                "DROP INDEX ux_audit_log_hash",
                "DROP INDEX ux_audit_log_org_sequence",
            ],
        )
        .await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            let guard = sqlite_update_guard(false);
            execute_all(manager, &["DROP TRIGGER audit_log_no_update", &guard]).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("audit_log")
                    .drop_column("organization_sequence")
                    .take(),
            )
            .await
    }
}
