//! The read of a viewer's memberships and roles, for role checks. Beside the scope's own
//! membership subqueries (`db::scope`), it is the one place that reads memberships without an
//! organisation scope.

use entity::enums::{MemberRole, MemberStatus, PlatformRole, UserStatus};
use entity::{organization_members, organizations, users};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, JoinType, QueryFilter,
    QuerySelect, RelationTrait,
};
use uuid::Uuid;

/// An active user and their active memberships of organisations that are not deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveUser {
    pub id: Uuid,
    pub platform_role: PlatformRole,
    pub memberships: Vec<(Uuid, MemberRole)>,
}

/// The user, if active and not deleted, with their memberships: one statement.
pub async fn active_user(
    db: &DatabaseConnection,
    user_id: Uuid,
) -> Result<Option<ActiveUser>, DbErr> {
    let rows: Vec<(Uuid, PlatformRole, Option<Uuid>, Option<MemberRole>)> =
        users::Entity::find_by_id(user_id)
            .filter(users::Column::Status.eq(UserStatus::Active))
            .filter(users::Column::DeletedAt.is_null())
            // An erased person's tokens are refused from the moment of erasure.
            .filter(users::Column::AnonymizedAt.is_null())
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::PlatformRole)
            .column(organization_members::Column::OrganizationId)
            .column(organization_members::Column::Role)
            .join(
                JoinType::LeftJoin,
                users::Relation::Memberships
                    .def()
                    .on_condition(move |_, member| {
                        let status =
                            Expr::col((member.clone(), organization_members::Column::Status))
                                .eq(MemberStatus::Active.as_str());
                        // A correlated EXISTS probes each membership's organisation by key;
                        // `IN (SELECT …)` made SQLite collect every live organisation first.
                        let live = Expr::exists(
                            Query::select()
                                .expr(Expr::val(1))
                                .from(organizations::Entity)
                                .and_where(
                                    Expr::col((organizations::Entity, organizations::Column::Id))
                                        .equals((
                                            member,
                                            organization_members::Column::OrganizationId,
                                        )),
                                )
                                .and_where(organizations::Column::DeletedAt.is_null())
                                .to_owned(),
                        );
                        Condition::all().add(status).add(live)
                    }),
            )
            .into_tuple()
            .all(db)
            .await?;
    let Some(&(id, platform_role, _, _)) = rows.first() else {
        return Ok(None);
    };
    let memberships = rows
        .into_iter()
        .filter_map(|(_, _, organization, role)| Some((organization?, role?)))
        .collect();
    Ok(Some(ActiveUser {
        id,
        platform_role,
        memberships,
    }))
}
