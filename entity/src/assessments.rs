//! `assessments`: one person's answers to one assessment of one organisation.

use sea_orm::entity::prelude::*;

use crate::enums::{AssessmentStatus, AssessmentType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// The respondent.
    pub user_id: Uuid,
    pub assessment_type: AssessmentType,
    pub version: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub responses: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Json,
    pub status: AssessmentStatus,
    pub completed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "Restrict"
    )]
    Respondent,
    #[sea_orm(has_one = "super::assessment_scores::Entity")]
    Score,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Respondent.def()
    }
}

impl Related<super::assessment_scores::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Score.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
