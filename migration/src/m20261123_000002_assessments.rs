//! Assessments, their scores, and the maturity scale and rubric they are mapped onto.

use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm_migration::prelude::*;
use serde::Deserialize;

use crate::columns::*;
use crate::{ASSESSMENT_TYPES, SCORE_BRACKETS};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The maturity scale and rubric as released with this migration.
const MATURITY_REFERENCE: &str = include_str!("reference/maturity.json");

#[derive(Deserialize)]
struct MaturityReference {
    levels: Vec<MaturityLevel>,
    criteria: Vec<MaturityCriterion>,
}

#[derive(Deserialize)]
struct MaturityLevel {
    level: i16,
    name: String,
    description: String,
    min_score: Decimal,
    max_score: Decimal,
}

#[derive(Deserialize)]
struct MaturityCriterion {
    level: i16,
    category: String,
    criterion: String,
    recommendation: String,
    next_step: String,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("maturity_levels")
                        .col(
                            ColumnDef::new("level")
                                .small_integer()
                                .not_null()
                                .primary_key(),
                        )
                        .col(text("name"))
                        .col(text("description"))
                        .col(decimal("min_score"))
                        .col(decimal("max_score")),
                )
                .check(check("ck_maturity_levels_level", "level BETWEEN 0 AND 9"))
                .check(check(
                    "ck_maturity_levels_range",
                    "min_score >= 0 AND min_score <= max_score AND max_score <= 5",
                ))
                .take(),
            )
            .await?;

        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("maturity_criteria")
                        .col(uuid_pk("id"))
                        .col(ColumnDef::new("maturity_level").small_integer().not_null())
                        .col(text("category"))
                        .col(text("criterion"))
                        .col(text("recommendation"))
                        .col(text("next_step")),
                )
                .foreign_key(&mut foreign_key(
                    "fk_maturity_criteria_level",
                    ("maturity_criteria", "maturity_level"),
                    ("maturity_levels", "level"),
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            )
            .await?;

        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("assessments")
                        .col(uuid_pk("id"))
                        .col(uuid_col("organization_id"))
                        .col(uuid_col("user_id"))
                        .col(text("assessment_type"))
                        .col(text("version"))
                        .col(json("responses"))
                        .col(json("metadata"))
                        .col(text("status"))
                        .col(timestamp_null("completed_at")),
                )
                .foreign_key(&mut foreign_key(
                    "fk_assessments_organization",
                    ("assessments", "organization_id"),
                    ("organizations", "id"),
                    ForeignKeyAction::Cascade,
                ))
                // People are erased by anonymisation, never by deleting the row, so an
                // organisation's assessment history survives; deleting a respondent is refused.
                .foreign_key(&mut foreign_key(
                    "fk_assessments_respondent",
                    ("assessments", "user_id"),
                    ("users", "id"),
                    ForeignKeyAction::Restrict,
                ))
                .check(check_in(
                    "ck_assessments_type",
                    "assessment_type",
                    &ASSESSMENT_TYPES,
                ))
                .check(check_in(
                    "ck_assessments_status",
                    "status",
                    &["in_progress", "completed", "archived"],
                ))
                .check(check(
                    "ck_assessments_completed_at",
                    "(status <> 'completed' OR completed_at IS NOT NULL) \
                     AND (status <> 'in_progress' OR completed_at IS NULL)",
                ))
                .check(check("ck_assessments_version", "length(version) > 0"))
                .take(),
            )
            .await?;

        // The pair (id, organization_id) is unique so that a score can point at its assessment
        // *within the same organisation*: the database itself refuses a cross-tenant link.
        execute_all(
            manager,
            &["CREATE UNIQUE INDEX ux_assessments_id_org ON assessments (id, organization_id)"],
        )
        .await?;

        manager
            .create_table(
                with_timestamps(
                    Table::create()
                        .table("assessment_scores")
                        .col(uuid_pk("id"))
                        .col(uuid_col("assessment_id"))
                        .col(uuid_col("organization_id"))
                        .col(decimal("overall_score"))
                        .col(text("bracket"))
                        .col(json("category_scores"))
                        .col(json("recommendations"))
                        .col(json("next_steps"))
                        .col(text_null("insights"))
                        .col(decimal("confidence"))
                        .col(json_null("swot"))
                        .col(ColumnDef::new("maturity_level").small_integer().not_null()),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_assessment_scores_assessment")
                        .from("assessment_scores", ("assessment_id", "organization_id"))
                        .to("assessments", ("id", "organization_id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut foreign_key(
                    "fk_assessment_scores_maturity_level",
                    ("assessment_scores", "maturity_level"),
                    ("maturity_levels", "level"),
                    ForeignKeyAction::Restrict,
                ))
                .check(check_two_decimals(
                    "ck_assessment_scores_overall_score",
                    "overall_score",
                    0,
                    5,
                ))
                .check(check_two_decimals(
                    "ck_assessment_scores_confidence",
                    "confidence",
                    0,
                    1,
                ))
                .check(check_in(
                    "ck_assessment_scores_bracket",
                    "bracket",
                    &SCORE_BRACKETS,
                ))
                .check(check(
                    "ck_assessment_scores_maturity_level",
                    "maturity_level BETWEEN 0 AND 9",
                ))
                .take(),
            )
            .await?;

        execute_all(
            manager,
            &[
                "CREATE UNIQUE INDEX ux_maturity_levels_name ON maturity_levels (name)",
                "CREATE UNIQUE INDEX ux_maturity_criteria_level_category \
                 ON maturity_criteria (maturity_level, category)",
                "CREATE INDEX ix_assessments_org_created \
                 ON assessments (organization_id, created_at, id)",
                "CREATE INDEX ix_assessments_org_type_status \
                 ON assessments (organization_id, assessment_type, status)",
                "CREATE INDEX ix_assessments_user_created ON assessments (user_id, created_at, id)",
                "CREATE UNIQUE INDEX ux_assessment_scores_assessment \
                 ON assessment_scores (assessment_id)",
                "CREATE INDEX ix_assessment_scores_org_created \
                 ON assessment_scores (organization_id, created_at, id)",
            ],
        )
        .await?;

        insert_maturity_reference(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "assessment_scores",
                "assessments",
                "maturity_criteria",
                "maturity_levels",
            ],
        )
        .await
    }
}

async fn insert_maturity_reference(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let reference: MaturityReference = serde_json::from_str(MATURITY_REFERENCE)
        .map_err(|error| DbErr::Custom(format!("maturity reference data: {error}")))?;
    let now = Utc::now();

    let mut levels = Query::insert()
        .into_table("maturity_levels")
        .columns([
            "level",
            "name",
            "description",
            "min_score",
            "max_score",
            "created_at",
            "updated_at",
        ])
        .take();
    for level in reference.levels {
        levels.values_panic([
            level.level.into(),
            level.name.into(),
            level.description.into(),
            level.min_score.into(),
            level.max_score.into(),
            now.into(),
            now.into(),
        ]);
    }
    manager.exec_stmt(levels).await?;

    let mut criteria = Query::insert()
        .into_table("maturity_criteria")
        .columns([
            "id",
            "maturity_level",
            "category",
            "criterion",
            "recommendation",
            "next_step",
            "created_at",
            "updated_at",
        ])
        .take();
    for criterion in reference.criteria {
        criteria.values_panic([
            uuid::Uuid::now_v7().into(),
            criterion.level.into(),
            criterion.category.into(),
            criterion.criterion.into(),
            criterion.recommendation.into(),
            criterion.next_step.into(),
            now.into(),
            now.into(),
        ]);
    }
    manager.exec_stmt(criteria).await
}
