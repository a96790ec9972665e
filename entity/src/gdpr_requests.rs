//! `gdpr_requests`: a data-subject request (an export, or an erasure, possibly a dry run) about
//! one person, run in the background.

use sea_orm::entity::prelude::*;

use crate::enums::{DataRequestStatus, DataRequestType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "gdpr_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub request_type: DataRequestType,
    /// The person the request is about.
    pub subject_user_id: Uuid,
    /// Who asked: the subject, or a platform admin on their behalf; `None` once gone.
    pub requested_by: Option<Uuid>,
    /// An erasure that only reports what it would change.
    pub dry_run: bool,
    pub status: DataRequestStatus,
    /// What the run found or changed: counts per table, never a value.
    pub result: Option<Json>,
    pub error: Option<String>,
    pub requested_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::SubjectUserId",
        to = "super::users::Column::Id",
        on_delete = "Restrict"
    )]
    Subject,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::RequestedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    RequestedBy,
    #[sea_orm(has_many = "super::data_deletions::Entity")]
    Deletions,
}

impl Related<super::data_deletions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Deletions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
