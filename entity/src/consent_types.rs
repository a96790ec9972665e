//! `consent_types`: what a person can consent to, versioned (reference data).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_types")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub version: i32,
    pub name: String,
    pub description: String,
    pub required: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::user_consents::Entity")]
    UserConsents,
}

impl Related<super::user_consents::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UserConsents.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
