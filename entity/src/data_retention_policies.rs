//! `data_retention_policies`: how long rows of a table are kept, and what happens to them then.

use sea_orm::entity::prelude::*;

use crate::enums::RetentionAction;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_retention_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The table the policy governs.
    #[sea_orm(unique)]
    pub entity: String,
    pub max_age_days: i32,
    pub action: RetentionAction,
    /// Rows are written to an archive file before they are deleted.
    pub export_before_delete: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
