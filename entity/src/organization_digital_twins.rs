//! `organization_digital_twins`: the current aggregate state of one organisation.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization_digital_twins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub organization_id: Uuid,
    /// 0–9.
    pub maturity_level: i16,
    /// 0.00–5.00.
    pub maturity_score: Decimal,
    /// 0.00–100.00.
    pub ai_readiness_score: Decimal,
    #[sea_orm(column_type = "JsonBinary")]
    pub technology_inventory: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub skills_inventory: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub readiness_indicators: Json,
    /// Per dimension: score, weight and the category scores it is made of.
    #[sea_orm(column_type = "JsonBinary")]
    pub dimension_scores: Json,
    /// The model version, the assessments counted (with their weights) and those superseded.
    #[sea_orm(column_type = "JsonBinary")]
    pub explanation: Json,
    pub assessment_count: i32,
    pub computed_at: DateTimeUtc,
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
    #[sea_orm(has_many = "super::digital_twin_snapshots::Entity")]
    Snapshots,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::digital_twin_snapshots::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Snapshots.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
