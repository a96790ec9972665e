//! `data_exports`: the archive an export request produced, kept until its subject downloads it
//! (once) or it expires.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_exports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_id: Uuid,
    /// A zip: `export.json` and a CSV per table.
    pub archive: Vec<u8>,
    pub archive_bytes: i64,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::gdpr_requests::Entity",
        from = "Column::RequestId",
        to = "super::gdpr_requests::Column::Id",
        on_delete = "Cascade"
    )]
    Request,
}

impl ActiveModelBehavior for ActiveModel {}
