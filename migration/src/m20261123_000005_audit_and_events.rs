//! The append-only audit log and the `events` outbox that feeds subscriptions.
//!
//! Both are append-only, so they carry `created_at` but no `updated_at`, and their keys are
//! database sequences: the order of rows is the fact they record.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Audit rows may be changed in one way only: retention generalises `ip_address`, which is kept
/// outside the hashed content. Anything else, and every delete, is refused by the database.
const POSTGRES_AUDIT_GUARD: [&str; 4] = [
    "CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'ip_address') = (to_jsonb(OLD) - 'ip_address') THEN
         RETURN NEW;
       END IF;
       RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
     END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
     FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
    "CREATE FUNCTION audit_log_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_truncate()",
];

const SQLITE_AUDIT_GUARD: [&str; 2] = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
     WHEN NEW.id IS NOT OLD.id OR NEW.created_at IS NOT OLD.created_at
       OR NEW.organization_id IS NOT OLD.organization_id
       OR NEW.actor_user_id IS NOT OLD.actor_user_id OR NEW.table_name IS NOT OLD.table_name
       OR NEW.record_id IS NOT OLD.record_id OR NEW.operation IS NOT OLD.operation
       OR NEW.old_values IS NOT OLD.old_values OR NEW.new_values IS NOT OLD.new_values
       OR NEW.request_id IS NOT OLD.request_id OR NEW.user_agent IS NOT OLD.user_agent
       OR NEW.session_id IS NOT OLD.session_id OR NEW.prev_hash IS NOT OLD.prev_hash
       OR NEW.hash IS NOT OLD.hash
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(
                        ColumnDef::new("id")
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(timestamp("created_at"))
                    // Audit rows outlive what they describe, so these ids carry no foreign key.
                    .col(ColumnDef::new("organization_id").uuid().null())
                    .col(ColumnDef::new("actor_user_id").uuid().null())
                    .col(text("table_name"))
                    .col(text_null("record_id"))
                    .col(text("operation"))
                    .col(json_null("old_values"))
                    .col(json_null("new_values"))
                    .col(text_null("request_id"))
                    .col(text_null("ip_address"))
                    .col(text_null("user_agent"))
                    .col(text_null("session_id"))
                    .col(text_null("prev_hash"))
                    .col(text("hash"))
                    .check(check_in(
                        "ck_audit_log_operation",
                        "operation",
                        &["SELECT", "INSERT", "UPDATE", "DELETE"],
                    ))
                    .check(check("ck_audit_log_hash", "length(hash) = 64"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("events")
                    .col(
                        ColumnDef::new("sequence")
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(uuid_col("id"))
                    .col(ColumnDef::new("organization_id").uuid().null())
                    .col(ColumnDef::new("actor_user_id").uuid().null())
                    .col(text("aggregate_type"))
                    .col(uuid_col("aggregate_id"))
                    .col(text("event_type"))
                    .col(json("payload"))
                    .col(timestamp("created_at"))
                    .foreign_key(&mut foreign_key(
                        "fk_events_organization",
                        ("events", "organization_id"),
                        ("organizations", "id"),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_events_actor",
                        ("events", "actor_user_id"),
                        ("users", "id"),
                        ForeignKeyAction::SetNull,
                    ))
                    .check(check(
                        "ck_events_event_type",
                        "event_type LIKE '%_._%' AND event_type = lower(event_type)",
                    ))
                    .take(),
            )
            .await?;

        execute_all(
            manager,
            &[
                "CREATE INDEX ix_audit_log_org_id ON audit_log (organization_id, id)",
                "CREATE INDEX ix_audit_log_actor ON audit_log (actor_user_id, id)",
                "CREATE UNIQUE INDEX ux_events_id ON events (id)",
                "CREATE INDEX ix_events_org_sequence ON events (organization_id, sequence)",
                "CREATE INDEX ix_events_aggregate ON events (aggregate_type, aggregate_id, sequence)",
            ],
        )
        .await?;

        match manager.get_database_backend() {
            DbBackend::Postgres => execute_all(manager, &POSTGRES_AUDIT_GUARD).await,
            _ => execute_all(manager, &SQLITE_AUDIT_GUARD).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["events", "audit_log"]).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            execute_all(
                manager,
                &[
                    "DROP FUNCTION IF EXISTS audit_log_refuse_change()",
                    "DROP FUNCTION IF EXISTS audit_log_refuse_truncate()",
                ],
            )
            .await?;
        }
        Ok(())
    }
}
