//! `users`: people, across organisations.

use sea_orm::entity::prelude::*;

use crate::enums::{PlatformRole, UserStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique case-insensitively (an index on `lower(email)`).
    #[sea_orm(unique)]
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub timezone: Option<String>,
    pub linkedin_url: Option<String>,
    pub profile_pic_url: Option<String>,
    pub platform_role: PlatformRole,
    pub status: UserStatus,
    pub anonymized_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::organization_members::Entity")]
    Memberships,
    #[sea_orm(has_many = "super::assessments::Entity")]
    Assessments,
    #[sea_orm(has_many = "super::user_consents::Entity")]
    Consents,
}

impl Related<super::organization_members::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Memberships.def()
    }
}

impl Related<super::assessments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assessments.def()
    }
}

impl Related<super::user_consents::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Consents.def()
    }
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        super::organization_members::Relation::Organization.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::organization_members::Relation::User.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
