//! The living twin: a twin keeps its per-dimension scores and the explanation of what it counted;
//! a score keeps its own AI readiness contribution.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [
            json("dimension_scores").default("[]").take(),
            json("explanation").default("{}").take(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("organization_digital_twins")
                        .add_column(column)
                        .take(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("assessment_scores")
                    .add_column(
                        ColumnDef::new("ai_readiness_score")
                            .decimal()
                            .null()
                            .check(Expr::cust(
                                "ai_readiness_score >= 0 AND ai_readiness_score <= 100 \
                                 AND round(ai_readiness_score, 2) = ai_readiness_score",
                            ))
                            .take(),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            ("assessment_scores", "ai_readiness_score"),
            ("organization_digital_twins", "explanation"),
            ("organization_digital_twins", "dimension_scores"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
