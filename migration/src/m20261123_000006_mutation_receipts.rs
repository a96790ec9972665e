//! Receipts of create-style mutations, so that a client repeating one with the same
//! `clientMutationId` gets the first result back instead of a second object.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("mutation_receipts")
                    .col(uuid_pk("id"))
                    .col(uuid_col("user_id"))
                    .col(text("client_mutation_id"))
                    .col(text("mutation"))
                    .col(text("record_id"))
                    .col(text("request_hash"))
                    .col(timestamp("created_at"))
                    .foreign_key(&mut foreign_key(
                        "fk_mutation_receipts_user",
                        ("mutation_receipts", "user_id"),
                        ("users", "id"),
                        ForeignKeyAction::Cascade,
                    ))
                    .check(check(
                        "ck_mutation_receipts_client_mutation_id",
                        "length(client_mutation_id) BETWEEN 1 AND 200",
                    ))
                    .take(),
            )
            .await?;
        execute_all(
            manager,
            &["CREATE UNIQUE INDEX ux_mutation_receipts_user_client_id \
               ON mutation_receipts (user_id, client_mutation_id)"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["mutation_receipts"]).await
    }
}
