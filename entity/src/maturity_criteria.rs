//! `maturity_criteria`: the maturity rubric, one criterion per level and category.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "maturity_criteria")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub maturity_level: i16,
    pub category: String,
    pub criterion: String,
    pub recommendation: String,
    pub next_step: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::maturity_levels::Entity",
        from = "Column::MaturityLevel",
        to = "super::maturity_levels::Column::Level",
        on_delete = "Cascade"
    )]
    MaturityLevel,
}

impl Related<super::maturity_levels::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MaturityLevel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
