//! The one place that turns a viewer into SQL conditions. Every read of tenant data goes
//! through a [`Scope`]; a scope with no viewer matches nothing (deny by default), so a query
//! that forgot its scope returns nothing rather than everything. Row-level security, when it
//! comes, is added here and nowhere else.

use std::sync::Arc;

use entity::enums::MemberRole;
use entity::{assessment_scores, assessments, organization_members, organizations};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use super::attach::{
    PersonOfMembership, Relation, RespondentOfAssessment, ScoreOfAssessmentRow,
    TwinOfOrganizationRow,
};
use crate::auth::viewer::{Authentication, Viewer};

/// What one request may read.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    viewer: Option<Uuid>,
    /// A platform admin reads every organisation that is not deleted.
    platform: bool,
    /// Organisations the viewer is an active member of.
    member_of: Arc<[Uuid]>,
    /// Organisations the viewer owns or administers.
    administers: Arc<[Uuid]>,
}

impl Scope {
    /// The scope of a viewer: their organisations, or all of them for a platform admin.
    pub fn of(viewer: &Viewer) -> Self {
        let administers = viewer
            .organization_ids()
            .filter(|id| {
                viewer
                    .role_in(*id)
                    .is_some_and(|role| role.is_at_least(MemberRole::Admin))
            })
            .collect();
        Self {
            viewer: Some(viewer.user_id),
            platform: viewer.is_platform_admin(),
            member_of: viewer.organization_ids().collect(),
            administers,
        }
    }

    /// The scope of a request: nothing at all unless there is a viewer.
    pub fn for_request(authentication: &Authentication) -> Self {
        match authentication {
            Authentication::Viewer(viewer) => Self::of(viewer),
            Authentication::Anonymous | Authentication::Rejected => Self::default(),
        }
    }

    /// Rows whose organisation `column` is one the viewer is a member of.
    pub fn organizations(&self, column: impl ColumnTrait) -> Condition {
        self.organization_condition(column, &self.member_of)
    }

    /// Rows whose organisation `column` is one the viewer owns or administers.
    pub fn administered(&self, column: impl ColumnTrait) -> Condition {
        self.organization_condition(column, &self.administers)
    }

    /// People the viewer may know of: themselves and the members of their organisations.
    pub fn people(&self, user_column: impl ColumnTrait) -> Condition {
        self.user_condition(user_column, self.organizations(member_column()))
    }

    /// People whose personal data (email, phone, consents) the viewer may read: themselves
    /// and the members of organisations the viewer owns or administers.
    pub fn personal_data(&self, user_column: impl ColumnTrait) -> Condition {
        self.user_condition(user_column, self.administered(member_column()))
    }

    /// The rows of tenant table `E` the viewer may read.
    pub fn select<E: ScopedEntity>(&self) -> Select<E> {
        E::find().filter(E::visible(self))
    }

    fn organization_condition(&self, column: impl ColumnTrait, ids: &[Uuid]) -> Condition {
        if self.platform {
            Condition::all().add(column.in_subquery(live_organizations()))
        } else {
            // An empty list renders as `1 = 2`: nothing matches.
            Condition::all().add(column.is_in(ids.iter().copied()))
        }
    }

    fn user_condition(&self, user_column: impl ColumnTrait, memberships: Condition) -> Condition {
        let Some(viewer) = self.viewer else {
            return Condition::all().add(user_column.is_in(Vec::<Uuid>::new()));
        };
        let members = Query::select()
            .column(organization_members::Column::UserId)
            .from(organization_members::Entity)
            .cond_where(memberships)
            .to_owned();
        Condition::any()
            .add(user_column.eq(viewer))
            .add(user_column.in_subquery(members))
    }
}

fn member_column() -> organization_members::Column {
    organization_members::Column::OrganizationId
}

fn live_organizations() -> SelectStatement {
    Query::select()
        .column(organizations::Column::Id)
        .from(organizations::Entity)
        .and_where(organizations::Column::DeletedAt.is_null())
        .to_owned()
}

/// A table whose rows the scope decides on.
pub trait ScopedEntity: EntityTrait {
    /// The condition that keeps only rows the scope may read.
    fn visible(scope: &Scope) -> Condition;

    /// The to-one relations a read of these rows can join.
    fn relations() -> &'static [Relation<Self>] {
        &[]
    }

    /// The JSON documents a read leaves out unless the query selects them.
    fn deferred() -> &'static [Self::Column] {
        &[]
    }
}

macro_rules! owned_by_organization {
    ($($module:ident),+) => {
        $(impl ScopedEntity for entity::$module::Entity {
            fn visible(scope: &Scope) -> Condition {
                scope.organizations(entity::$module::Column::OrganizationId)
            }
        })+
    };
}

owned_by_organization!(organization_digital_twins, digital_twin_snapshots);

impl ScopedEntity for organizations::Entity {
    fn visible(scope: &Scope) -> Condition {
        scope
            .organizations(organizations::Column::Id)
            .add(organizations::Column::DeletedAt.is_null())
    }

    fn relations() -> &'static [Relation<Self>] {
        const RELATIONS: &[Relation<organizations::Entity>] =
            &[Relation::of::<TwinOfOrganizationRow>()];
        RELATIONS
    }
}

impl ScopedEntity for assessments::Entity {
    fn visible(scope: &Scope) -> Condition {
        scope.organizations(assessments::Column::OrganizationId)
    }

    fn deferred() -> &'static [assessments::Column] {
        &[
            assessments::Column::Responses,
            assessments::Column::Metadata,
        ]
    }

    fn relations() -> &'static [Relation<Self>] {
        const RELATIONS: &[Relation<assessments::Entity>] = &[
            Relation::of::<ScoreOfAssessmentRow>(),
            Relation::of::<RespondentOfAssessment>(),
        ];
        RELATIONS
    }
}

impl ScopedEntity for assessment_scores::Entity {
    fn visible(scope: &Scope) -> Condition {
        scope.organizations(assessment_scores::Column::OrganizationId)
    }

    fn deferred() -> &'static [assessment_scores::Column] {
        use assessment_scores::Column;
        &[
            Column::CategoryScores,
            Column::Recommendations,
            Column::NextSteps,
            Column::Swot,
        ]
    }
}

impl ScopedEntity for organization_members::Entity {
    fn visible(scope: &Scope) -> Condition {
        scope.organizations(organization_members::Column::OrganizationId)
    }

    fn relations() -> &'static [Relation<Self>] {
        const RELATIONS: &[Relation<organization_members::Entity>] =
            &[Relation::of::<PersonOfMembership>()];
        RELATIONS
    }
}

impl ScopedEntity for entity::users::Entity {
    fn visible(scope: &Scope) -> Condition {
        Condition::all()
            .add(scope.people(entity::users::Column::Id))
            .add(entity::users::Column::DeletedAt.is_null())
    }
}

impl ScopedEntity for entity::user_consents::Entity {
    fn visible(scope: &Scope) -> Condition {
        scope.personal_data(entity::user_consents::Column::UserId)
    }
}

impl ScopedEntity for entity::audit_log::Entity {
    /// The audit log is for owners and admins only.
    fn visible(scope: &Scope) -> Condition {
        scope.administered(entity::audit_log::Column::OrganizationId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::assessments;
    use entity::enums::PlatformRole;
    use sea_orm::{DbBackend, QueryTrait};

    fn sql(scope: &Scope) -> String {
        scope
            .select::<assessments::Entity>()
            .build(DbBackend::Postgres)
            .to_string()
    }

    #[test]
    fn no_viewer_reads_nothing() {
        assert!(sql(&Scope::default()).contains("1 = 2"));
        assert!(sql(&Scope::for_request(&Authentication::Rejected)).contains("1 = 2"));
    }

    #[test]
    fn a_member_reads_only_their_organisations() {
        let (mine, theirs) = (Uuid::now_v7(), Uuid::now_v7());
        let viewer = Viewer::new(
            Uuid::now_v7(),
            PlatformRole::User,
            [(mine, MemberRole::Viewer)],
        );
        let sql = sql(&Scope::of(&viewer));
        assert!(sql.contains(&mine.to_string()));
        assert!(!sql.contains(&theirs.to_string()));
    }

    #[test]
    fn only_owners_and_admins_administer() {
        let (owned, viewed) = (Uuid::now_v7(), Uuid::now_v7());
        let viewer = Viewer::new(
            Uuid::now_v7(),
            PlatformRole::User,
            [(owned, MemberRole::Owner), (viewed, MemberRole::Analyst)],
        );
        assert_eq!(&*Scope::of(&viewer).administers, &[owned]);
    }

    #[test]
    fn a_platform_admin_reads_live_organisations() {
        let viewer = Viewer::new(Uuid::now_v7(), PlatformRole::PlatformAdmin, []);
        assert!(sql(&Scope::of(&viewer)).contains("\"deleted_at\" IS NULL"));
    }
}
