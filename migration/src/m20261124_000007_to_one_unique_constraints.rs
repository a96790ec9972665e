//! The two to-one reverse relations (an assessment's score, an organisation's digital twin) as
//! UNIQUE constraints on PostgreSQL, where they were unique indexes only.
//!
//! Nothing in orgraph depends on the difference: the same index enforces the same rule, and the
//! planner sees the same index. Tools that read the catalogue's constraints to learn a schema's
//! shape do: PostGraphile (the bench's peer) makes a reverse relation singular only when a
//! UNIQUE constraint covers it, so without these a score would be a list of at most one.
//! `ADD CONSTRAINT … USING INDEX` adopts the existing index under its own name, without
//! building it again. SQLite has no named constraints to add afterwards: there this does
//! nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        execute_all(
            manager,
            &[
                "ALTER TABLE assessment_scores ADD CONSTRAINT ux_assessment_scores_assessment \
                 UNIQUE USING INDEX ux_assessment_scores_assessment",
                "ALTER TABLE organization_digital_twins \
                 ADD CONSTRAINT ux_organization_digital_twins_org \
                 UNIQUE USING INDEX ux_organization_digital_twins_org",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        // Dropping a constraint drops its index: the indexes are made again as they were.
        execute_all(
            manager,
            &[
                "ALTER TABLE assessment_scores DROP CONSTRAINT ux_assessment_scores_assessment",
                "CREATE UNIQUE INDEX ux_assessment_scores_assessment \
                 ON assessment_scores (assessment_id)",
                "ALTER TABLE organization_digital_twins \
                 DROP CONSTRAINT ux_organization_digital_twins_org",
                "CREATE UNIQUE INDEX ux_organization_digital_twins_org \
                 ON organization_digital_twins (organization_id)",
            ],
        )
        .await
    }
}
