//! `organization_invitations`: an invitation to join an organisation, answered by the invitee.

use sea_orm::entity::prelude::*;

use crate::enums::{InvitationStatus, MemberRole};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization_invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// `None` once the inviter's account is gone.
    pub inviter_id: Option<Uuid>,
    /// Lower case, as the inviter typed it.
    pub invitee_email: String,
    pub role: MemberRole,
    pub department: Option<String>,
    pub custom_message: Option<String>,
    /// SHA-256 (hex) of the single-use token; the token itself is never stored.
    pub token_hash: String,
    pub status: InvitationStatus,
    pub expires_at: DateTimeUtc,
    /// When the invitee accepted or declined, or an admin revoked.
    pub responded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::InviterId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    Inviter,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
