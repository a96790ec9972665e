//! `maturity_levels`: the 0–9 maturity scale (reference data).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "maturity_levels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: i16,
    #[sea_orm(unique)]
    pub name: String,
    pub description: String,
    /// The lowest overall score (0–5) that maps to this level.
    pub min_score: Decimal,
    /// The highest overall score (0–5) that maps to this level.
    pub max_score: Decimal,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::maturity_criteria::Entity")]
    Criteria,
    #[sea_orm(has_many = "super::assessment_scores::Entity")]
    AssessmentScores,
}

impl Related<super::maturity_criteria::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Criteria.def()
    }
}

impl Related<super::assessment_scores::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AssessmentScores.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
