//! The reads that establish who a viewer is. They are the one place that reads memberships
//! without an organisation scope, because they are what the scope is made of.

use entity::enums::{MemberRole, MemberStatus, UserStatus};
use entity::{organization_members, organizations, users};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationTrait,
};
use uuid::Uuid;

/// An active, not deleted user.
pub async fn active_user(
    db: &DatabaseConnection,
    user_id: Uuid,
) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find_by_id(user_id)
        .filter(users::Column::Status.eq(UserStatus::Active))
        .filter(users::Column::DeletedAt.is_null())
        .one(db)
        .await
}

/// The user's active memberships of organisations that are not deleted: (organisation, role).
pub async fn active_memberships(
    db: &DatabaseConnection,
    user_id: Uuid,
) -> Result<Vec<(Uuid, MemberRole)>, DbErr> {
    organization_members::Entity::find()
        .select_only()
        .column(organization_members::Column::OrganizationId)
        .column(organization_members::Column::Role)
        .join(
            JoinType::InnerJoin,
            organization_members::Relation::Organization.def(),
        )
        .filter(organization_members::Column::UserId.eq(user_id))
        .filter(organization_members::Column::Status.eq(MemberStatus::Active))
        .filter(organizations::Column::DeletedAt.is_null())
        .into_tuple()
        .all(db)
        .await
}
