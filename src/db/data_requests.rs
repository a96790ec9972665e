//! `gdpr_requests`: a request is visible to its subject, to whoever made it, to platform
//! admins, and (without its content) to owners and admins of an organisation the subject
//! belongs or belonged to. To anyone else it does not exist.

use entity::{gdpr_requests, organization_members};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::scope::Scope;

/// The requests `scope`'s viewer may see.
pub fn visible(scope: &Scope) -> Condition {
    let subject = Expr::col((gdpr_requests::Entity, gdpr_requests::Column::SubjectUserId));
    let Some(viewer) = scope.viewer() else {
        return Condition::all().add(subject.is_in(Vec::<Uuid>::new()));
    };
    // Whoever the subject is: someone in no organisation has requests too.
    if scope.is_platform_admin() {
        return Condition::all();
    }
    // Any membership, ended or not: an erased member's memberships have ended.
    let member_of_administered = Query::select()
        .expr(Expr::val(1))
        .from(organization_members::Entity)
        .and_where(
            Expr::col((
                organization_members::Entity,
                organization_members::Column::UserId,
            ))
            .equals((gdpr_requests::Entity, gdpr_requests::Column::SubjectUserId)),
        )
        .cond_where(scope.administered(Expr::col((
            organization_members::Entity,
            organization_members::Column::OrganizationId,
        ))))
        .to_owned();
    Condition::any()
        .add(subject.eq(viewer))
        .add(gdpr_requests::Column::RequestedBy.eq(viewer))
        .add(Expr::exists(member_of_administered))
}

/// The request with this id, if the viewer may see it.
pub async fn by_id(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<gdpr_requests::Model>, DbErr> {
    gdpr_requests::Entity::find_by_id(id)
        .filter(visible(scope))
        .one(db)
        .await
}

/// The requests about `subject` the viewer may see, newest first.
pub async fn about(
    db: &DatabaseConnection,
    scope: &Scope,
    subject: Uuid,
) -> Result<Vec<gdpr_requests::Model>, DbErr> {
    gdpr_requests::Entity::find()
        .filter(gdpr_requests::Column::SubjectUserId.eq(subject))
        .filter(visible(scope))
        .order_by_desc(gdpr_requests::Column::RequestedAt)
        .order_by_desc(gdpr_requests::Column::Id)
        .all(db)
        .await
}

/// The requests about people who are or were members of `organization`, if the viewer
/// administers it; newest first.
pub async fn about_members_of(
    db: &DatabaseConnection,
    scope: &Scope,
    organization: Uuid,
) -> Result<Vec<gdpr_requests::Model>, DbErr> {
    let members = Query::select()
        .column(organization_members::Column::UserId)
        .from(organization_members::Entity)
        .and_where(organization_members::Column::OrganizationId.eq(organization))
        .cond_where(scope.administered(Expr::col((
            organization_members::Entity,
            organization_members::Column::OrganizationId,
        ))))
        .to_owned();
    gdpr_requests::Entity::find()
        .filter(gdpr_requests::Column::SubjectUserId.in_subquery(members))
        .order_by_desc(gdpr_requests::Column::RequestedAt)
        .order_by_desc(gdpr_requests::Column::Id)
        .all(db)
        .await
}
