//! `digital_twin_snapshots`: point-in-time states of a digital twin.

use sea_orm::entity::prelude::*;

use crate::enums::SnapshotReason;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "digital_twin_snapshots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub twin_id: Uuid,
    pub organization_id: Uuid,
    pub maturity_level: i16,
    pub maturity_score: Decimal,
    pub ai_readiness_score: Decimal,
    pub assessment_count: i32,
    #[sea_orm(column_type = "JsonBinary")]
    pub state: Json,
    pub reason: SnapshotReason,
    pub captured_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization_digital_twins::Entity",
        from = "Column::TwinId",
        to = "super::organization_digital_twins::Column::Id",
        on_delete = "Cascade"
    )]
    Twin,
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id"
    )]
    Organization,
}

impl Related<super::organization_digital_twins::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Twin.def()
    }
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
