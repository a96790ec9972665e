//! `data_deletions`: what an erasure changed in one registered location, and the proof that
//! none of the subject's values remained there afterwards. No personal data.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_deletions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub request_id: Uuid,
    pub table_name: String,
    /// The column, with a JSON path when the location is inside a document.
    pub column_name: String,
    /// The registry's strategy applied (`nullify`, `pseudonymize`, `redact`, …).
    pub strategy: String,
    pub rows_changed: i64,
    /// The subject's values found in the location when it was read again afterwards.
    pub values_remaining: i64,
    /// The version of the key behind keyed hashes and pseudonyms.
    pub key_version: i32,
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

impl Related<super::gdpr_requests::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Request.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
