//! `audit_log`: the append-only, hash-chained record of every change.

use sea_orm::entity::prelude::*;

use crate::enums::AuditOperation;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub created_at: DateTimeUtc,
    pub organization_id: Option<Uuid>,
    /// The entry's place in its organisation's log, from 1; `None` without an organisation.
    pub organization_sequence: Option<i64>,
    pub actor_user_id: Option<Uuid>,
    pub table_name: String,
    pub record_id: Option<String>,
    pub operation: AuditOperation,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub old_values: Option<Json>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub new_values: Option<Json>,
    pub request_id: Option<String>,
    /// Outside the hashed content: retention may generalise it.
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub session_id: Option<String>,
    pub prev_hash: Option<String>,
    /// SHA-256 (hex) of the previous row's hash and this row's canonical content.
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// No foreign key: the log outlives every row it describes.
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::ActorUserId",
        to = "super::users::Column::Id"
    )]
    Actor,
}

impl ActiveModelBehavior for ActiveModel {}
