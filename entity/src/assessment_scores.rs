//! `assessment_scores`: the one score of a completed assessment.

use sea_orm::entity::prelude::*;

use crate::enums::ScoreBracket;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assessment_scores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub assessment_id: Uuid,
    pub organization_id: Uuid,
    /// 0.00–5.00.
    pub overall_score: Decimal,
    pub bracket: ScoreBracket,
    #[sea_orm(column_type = "JsonBinary")]
    pub category_scores: Json,
    /// A JSON array of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub recommendations: Json,
    /// A JSON array of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub next_steps: Json,
    pub insights: Option<String>,
    /// 0.00–1.00.
    pub confidence: Decimal,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub swot: Option<Json>,
    /// 0–9.
    pub maturity_level: i16,
    /// What this assessment alone says of AI readiness, 0.00–100.00; `None` when it answers no
    /// AI readiness signal.
    pub ai_readiness_score: Option<Decimal>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::assessments::Entity",
        from = "Column::AssessmentId",
        to = "super::assessments::Column::Id",
        on_delete = "Cascade"
    )]
    Assessment,
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::maturity_levels::Entity",
        from = "Column::MaturityLevel",
        to = "super::maturity_levels::Column::Level",
        on_delete = "Restrict"
    )]
    MaturityLevel,
}

impl Related<super::assessments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assessment.def()
    }
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::maturity_levels::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MaturityLevel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
