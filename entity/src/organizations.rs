//! `organizations`: the tenants.

use sea_orm::entity::prelude::*;

use crate::enums::{CompanySize, OrganizationStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub industry: Option<String>,
    pub company_size: Option<CompanySize>,
    #[sea_orm(column_type = "JsonBinary")]
    pub settings: Json,
    pub status: OrganizationStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::organization_members::Entity")]
    Members,
    #[sea_orm(has_many = "super::assessments::Entity")]
    Assessments,
    #[sea_orm(has_many = "super::assessment_scores::Entity")]
    AssessmentScores,
    #[sea_orm(has_one = "super::organization_digital_twins::Entity")]
    DigitalTwin,
    #[sea_orm(has_many = "super::digital_twin_snapshots::Entity")]
    DigitalTwinSnapshots,
    #[sea_orm(has_many = "super::events::Entity")]
    Events,
    #[sea_orm(has_many = "super::organization_invitations::Entity")]
    Invitations,
}

impl Related<super::organization_invitations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Invitations.def()
    }
}

impl Related<super::organization_members::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Members.def()
    }
}

impl Related<super::assessments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assessments.def()
    }
}

impl Related<super::assessment_scores::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AssessmentScores.def()
    }
}

impl Related<super::organization_digital_twins::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DigitalTwin.def()
    }
}

impl Related<super::digital_twin_snapshots::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DigitalTwinSnapshots.def()
    }
}

impl Related<super::events::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Events.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        super::organization_members::Relation::User.def()
    }

    fn via() -> Option<RelationDef> {
        Some(
            super::organization_members::Relation::Organization
                .def()
                .rev(),
        )
    }
}

impl ActiveModelBehavior for ActiveModel {}
