//! `user_consents`: every grant and withdrawal; the latest row per user and type is current.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "user_consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub consent_type_id: Uuid,
    pub granted: bool,
    pub recorded_at: DateTimeUtc,
    pub source: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::consent_types::Entity",
        from = "Column::ConsentTypeId",
        to = "super::consent_types::Column::Id",
        on_delete = "Restrict"
    )]
    ConsentType,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::consent_types::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConsentType.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
