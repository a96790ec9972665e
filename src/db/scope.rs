//! The one place that turns a viewer into SQL conditions. Every read of tenant data goes
//! through a [`Scope`]; a scope with no viewer matches nothing (deny by default), so a query
//! that forgot its scope returns nothing rather than everything. Row-level security, when it
//! comes, is added here and nowhere else.
//!
//! The viewer's memberships are not read beforehand: each condition asks the database, inside
//! the statement it guards, which organisations the token's user is an active member of (or
//! whether they are an active platform admin). A request that only reads therefore sends no
//! statement of its own to authenticate, and every statement sees memberships as they are at
//! that moment, so a revoked membership stops the very next read.

use entity::ReadByPosition;
use entity::enums::{MemberRole, MemberStatus, PlatformRole, UserStatus};
use entity::{assessment_scores, assessments, organization_members, organizations, users};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use super::attach::{
    PersonOfMembership, Relation, RespondentOfAssessment, ScoreOfAssessmentRow,
    TwinOfOrganizationRow,
};

/// What one request may read: whatever the user its token names may read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope {
    viewer: Option<Uuid>,
    /// Whether organisation conditions probe each row's organisation (see
    /// [`Scope::probing_each_row`]) instead of matching it against a set.
    probe_each_row: bool,
}

impl Scope {
    /// The scope of the user a verified token names.
    pub fn of_user(user_id: Uuid) -> Self {
        Self {
            viewer: Some(user_id),
            probe_each_row: false,
        }
    }

    /// The same scope, with its organisation conditions written as a probe of each row's
    /// organisation (is it live, and is the viewer an active user who is an active member
    /// of it or an active platform admin) rather than a match against the set of the viewer's
    /// organisations. Both say the same; for a statement that reads one row by key the probe
    /// is three index lookups, where PostgreSQL would build, deduplicate and hash the set
    /// (backend CPU per lookup 84 → 70 µs). A page is better served by the set, built once.
    pub fn probing_each_row(self) -> Self {
        Self {
            probe_each_row: true,
            ..self
        }
    }

    /// The user the token names, if any.
    pub fn viewer(&self) -> Option<Uuid> {
        self.viewer
    }

    /// Rows whose organisation `column` is one the viewer is a member of.
    pub fn organizations(&self, column: impl ColumnTrait) -> Condition {
        self.organization_condition(column.into_expr(), None)
    }

    /// Rows whose organisation `column` is one the viewer owns or administers.
    pub fn administered(&self, column: impl ColumnTrait) -> Condition {
        self.organization_condition(column.into_expr(), Some(ADMINISTER))
    }

    /// People the viewer may know of: themselves and the members of their organisations.
    pub fn people(&self, user_column: impl ColumnTrait) -> Condition {
        self.user_condition(user_column, None)
    }

    /// People whose personal data (email, phone, consents) the viewer may read: themselves
    /// and the members of organisations the viewer owns or administers.
    pub fn personal_data(&self, user_column: impl ColumnTrait) -> Condition {
        self.user_condition(user_column, Some(ADMINISTER))
    }

    /// The rows of tenant table `E` the viewer may read.
    pub fn select<E: ScopedEntity>(&self) -> Select<E> {
        E::find().filter(E::visible(self))
    }

    /// Rows whose organisation `column` is one the viewer is an active member of (holding
    /// one of `roles`, when given), or any live one for an active platform admin; nothing
    /// without a viewer.
    fn organization_condition(&self, column: Expr, roles: Option<&[MemberRole]>) -> Condition {
        let Some(viewer) = self.viewer else {
            // An empty list renders as `1 = 2`: nothing matches.
            return Condition::all().add(column.is_in(Vec::<Uuid>::new()));
        };
        Condition::all().add(if self.probe_each_row {
            Expr::exists(organization_probe(viewer, column, roles))
        } else {
            let mut organizations = memberships_of(viewer, roles);
            organizations.union(
                UnionType::All,
                every_organization_for_platform_admin(viewer),
            );
            column.in_subquery(organizations)
        })
    }

    /// The viewer themselves and anyone with a membership of one of the viewer's
    /// organisations (the viewer holding one of `roles` there, when given), while the viewer
    /// is active. Each person's memberships are probed by key: `IN (every member of those
    /// organisations)` made PostgreSQL scan all people and memberships for a page of 50, and
    /// SQLite built the viewer's organisations again for every person.
    fn user_condition(
        &self,
        user_column: impl ColumnTrait,
        roles: Option<&[MemberRole]>,
    ) -> Condition {
        let Some(viewer) = self.viewer else {
            return Condition::all().add(user_column.is_in(Vec::<Uuid>::new()));
        };
        let person = user_column.into_expr();
        let member = Alias::new(PERSON_MEMBER);
        let shared = Expr::col((member.clone(), organization_members::Column::OrganizationId));
        let membership = Query::select()
            .expr(one())
            .from_as(organization_members::Entity, member.clone())
            .and_where(Expr::col((member, organization_members::Column::UserId)).eq(person.clone()))
            .and_where(Expr::exists(live_organization(shared.clone())))
            .cond_where(
                Condition::any()
                    .add(Expr::exists(membership_in(viewer, shared, roles)))
                    .add(Expr::exists(active_user(
                        viewer,
                        Some(PlatformRole::PlatformAdmin),
                    ))),
            )
            .to_owned();
        Condition::all()
            .add(Expr::exists(active_user(viewer, None)))
            .add(
                Condition::any()
                    .add(person.eq(viewer))
                    .add(Expr::exists(membership)),
            )
    }
}

/// The roles that administer an organisation.
const ADMINISTER: &[MemberRole] = &[MemberRole::Owner, MemberRole::Admin];

const MEMBER: &str = "scope_member";
const PERSON_MEMBER: &str = "scope_person_member";
const ORGANIZATION: &str = "scope_organization";
const USER: &str = "scope_user";

/// The live organisations `viewer` is an active member of (holding one of `roles`, if given),
/// while the viewer is an active user: the viewer's memberships joined to the viewer's row and
/// to each organisation by key. Joins, not `EXISTS` probes, keep the plan to three index
/// lookups; `IN (SELECT …)` of live organisations made SQLite collect every organisation.
fn memberships_of(viewer: Uuid, roles: Option<&[MemberRole]>) -> SelectStatement {
    let member = |name: organization_members::Column| Expr::col((Alias::new(MEMBER), name));
    let organization = Alias::new(ORGANIZATION);
    let user = Alias::new(USER);
    let mut query = active_memberships(viewer, roles)
        .expr(member(organization_members::Column::OrganizationId))
        .join_as(
            JoinType::InnerJoin,
            users::Entity,
            user.clone(),
            Expr::col((user, users::Column::Id)).eq(member(organization_members::Column::UserId)),
        )
        .join_as(
            JoinType::InnerJoin,
            organizations::Entity,
            organization.clone(),
            Expr::col((organization.clone(), organizations::Column::Id))
                .eq(member(organization_members::Column::OrganizationId)),
        )
        .and_where(Expr::col((organization, organizations::Column::DeletedAt)).is_null())
        .to_owned();
    for condition in user_conditions(viewer, None) {
        query.and_where(condition);
    }
    query
}

/// `viewer`'s active membership of `organization` (with one of `roles`, if given).
fn membership_in(
    viewer: Uuid,
    organization: Expr,
    roles: Option<&[MemberRole]>,
) -> SelectStatement {
    active_memberships(viewer, roles)
        .expr(one())
        .and_where(
            Expr::col((
                Alias::new(MEMBER),
                organization_members::Column::OrganizationId,
            ))
            .eq(organization),
        )
        .to_owned()
}

/// `viewer`'s active memberships (aliased [`MEMBER`]), holding one of `roles` if given; the
/// caller picks what to select.
fn active_memberships(viewer: Uuid, roles: Option<&[MemberRole]>) -> SelectStatement {
    let column = |name: organization_members::Column| Expr::col((Alias::new(MEMBER), name));
    let mut memberships = Query::select()
        .from_as(organization_members::Entity, Alias::new(MEMBER))
        .and_where(column(organization_members::Column::UserId).eq(viewer))
        .and_where(
            column(organization_members::Column::Status)
                .eq(constant(MemberStatus::Active.as_str())),
        )
        .to_owned();
    if let Some(roles) = roles {
        memberships.and_where(
            column(organization_members::Column::Role)
                .is_in(roles.iter().map(|role| constant(role.as_str()))),
        );
    }
    memberships
}

/// `organization`, if it is live and `viewer` is an active user who is an active member of it
/// (holding one of `roles`, if given) or an active platform admin: the viewer's row, then the
/// organisation's, then the membership, each by key.
fn organization_probe(
    viewer: Uuid,
    organization: Expr,
    roles: Option<&[MemberRole]>,
) -> SelectStatement {
    let alias = Alias::new(ORGANIZATION);
    let probed = Expr::col((alias.clone(), organizations::Column::Id));
    active_user(viewer, None)
        .join_as(
            JoinType::InnerJoin,
            organizations::Entity,
            alias.clone(),
            Condition::all()
                .add(probed.clone().eq(organization))
                .add(Expr::col((alias, organizations::Column::DeletedAt)).is_null()),
        )
        .cond_where(
            Condition::any()
                .add(
                    Expr::col((Alias::new(USER), users::Column::PlatformRole))
                        .eq(constant(PlatformRole::PlatformAdmin.as_str())),
                )
                .add(Expr::exists(membership_in(viewer, probed, roles))),
        )
        .to_owned()
}

/// `organization`, if it is not deleted.
fn live_organization(organization: Expr) -> SelectStatement {
    let alias = Alias::new(ORGANIZATION);
    Query::select()
        .expr(one())
        .from_as(organizations::Entity, alias.clone())
        .and_where(Expr::col((alias.clone(), organizations::Column::Id)).eq(organization))
        .and_where(Expr::col((alias, organizations::Column::DeletedAt)).is_null())
        .to_owned()
}

/// Every live organisation when `viewer` is an active platform admin, none otherwise. The
/// viewer's row leads the join, so for anyone else no organisation is even looked at (SQLite
/// scanned every organisation when the role check was a condition on that scan).
fn every_organization_for_platform_admin(viewer: Uuid) -> SelectStatement {
    let organization = Alias::new(ORGANIZATION);
    let user = Alias::new(USER);
    let mut query = Query::select()
        .expr(Expr::col((organization.clone(), organizations::Column::Id)))
        .from_as(users::Entity, user.clone())
        .join_as(
            JoinType::InnerJoin,
            organizations::Entity,
            organization.clone(),
            Expr::col((organization, organizations::Column::DeletedAt)).is_null(),
        )
        .to_owned();
    for condition in user_conditions(viewer, Some(PlatformRole::PlatformAdmin)) {
        query.and_where(condition);
    }
    query
}

/// `viewer`, if they are an active user that is not deleted (and holds `platform_role`).
fn active_user(viewer: Uuid, platform_role: Option<PlatformRole>) -> SelectStatement {
    let mut query = Query::select()
        .expr(one())
        .from_as(users::Entity, Alias::new(USER))
        .to_owned();
    for condition in user_conditions(viewer, platform_role) {
        query.and_where(condition);
    }
    query
}

/// The conditions on the viewer's own row (aliased [`USER`]) for [`active_user`].
fn user_conditions(viewer: Uuid, platform_role: Option<PlatformRole>) -> Vec<Expr> {
    let column = |name: users::Column| Expr::col((Alias::new(USER), name));
    let mut conditions = vec![
        column(users::Column::Id).eq(viewer),
        column(users::Column::Status).eq(constant(UserStatus::Active.as_str())),
        column(users::Column::DeletedAt).is_null(),
    ];
    if let Some(role) = platform_role {
        conditions.push(column(users::Column::PlatformRole).eq(constant(role.as_str())));
    }
    conditions
}

/// A fixed word of the schema (a status or role) written into the statement, not bound: the
/// planner sees it, and each statement binds only the viewer's key.
fn constant(word: &'static str) -> Expr {
    Expr::Constant(word.into())
}

/// What an `EXISTS` probe selects.
fn one() -> Expr {
    Expr::Constant(1.into())
}

/// A table whose rows the scope decides on.
pub trait ScopedEntity: EntityTrait<Model: ReadByPosition> {
    /// The condition that keeps only rows the scope may read.
    fn visible(scope: &Scope) -> Condition;

    /// The to-one relations a read of these rows can join.
    fn relations() -> &'static [Relation<Self>] {
        &[]
    }

    /// What any row must satisfy to exist for anyone (not deleted), whoever the viewer.
    fn existing() -> Condition {
        Condition::all()
    }

    /// The organisation a row belongs to, for rows the scope admits by their organisation.
    fn organization_of(_row: &Self::Model) -> Option<Uuid> {
        None
    }
}

macro_rules! owned_by_organization {
    ($($module:ident),+) => {
        $(impl ScopedEntity for entity::$module::Entity {
            fn visible(scope: &Scope) -> Condition {
                scope.organizations(entity::$module::Column::OrganizationId)
            }

            fn organization_of(row: &entity::$module::Model) -> Option<Uuid> {
                Some(row.organization_id)
            }
        })+
    };
}

owned_by_organization!(organization_digital_twins, digital_twin_snapshots);

impl ScopedEntity for organizations::Entity {
    fn visible(scope: &Scope) -> Condition {
        Self::existing().add(scope.organizations(organizations::Column::Id))
    }

    fn existing() -> Condition {
        Condition::all().add(organizations::Column::DeletedAt.is_null())
    }

    fn organization_of(row: &organizations::Model) -> Option<Uuid> {
        Some(row.id)
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

    fn organization_of(row: &assessments::Model) -> Option<Uuid> {
        Some(row.organization_id)
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

    fn organization_of(row: &assessment_scores::Model) -> Option<Uuid> {
        Some(row.organization_id)
    }
}

impl ScopedEntity for organization_members::Entity {
    fn visible(scope: &Scope) -> Condition {
        scope.organizations(organization_members::Column::OrganizationId)
    }

    fn organization_of(row: &organization_members::Model) -> Option<Uuid> {
        Some(row.organization_id)
    }

    fn relations() -> &'static [Relation<Self>] {
        const RELATIONS: &[Relation<organization_members::Entity>] =
            &[Relation::of::<PersonOfMembership>()];
        RELATIONS
    }
}

impl ScopedEntity for entity::users::Entity {
    fn visible(scope: &Scope) -> Condition {
        Self::existing().add(scope.people(entity::users::Column::Id))
    }

    fn existing() -> Condition {
        Condition::all().add(entity::users::Column::DeletedAt.is_null())
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
    use crate::db::attach::{MAX_OPTIONAL_COLUMN_NAME, MAX_RELATIONS};
    use entity::assessments;
    use sea_orm::{DbBackend, Iterable, QueryTrait};

    fn read_in_column_order<E: ScopedEntity>() {
        let columns: Vec<&str> = E::Column::iter()
            .map(|column| sea_orm::IdenStatic::as_str(&column))
            .collect();
        let table = E::default().table_name();
        assert_eq!(E::Model::FIELDS, columns, "{table}");
        // A shape holds the columns left out as bits of a u32, and spells their names as
        // fields in a fixed buffer.
        assert!(columns.len() <= 32, "{table}");
        for (index, column) in columns.iter().enumerate() {
            if E::Model::READ_WHEN_SELECTED & (1 << index) != 0 {
                assert!(column.len() <= MAX_OPTIONAL_COLUMN_NAME, "{table}.{column}");
            }
        }
        assert!(E::relations().len() <= MAX_RELATIONS, "{table}");
    }

    /// Reads decode rows by position: a model whose fields were listed out of column order
    /// would take one column's value for another; and what a read may leave out fits a shape.
    #[test]
    fn every_scoped_table_is_read_by_position_in_column_order() {
        read_in_column_order::<organizations::Entity>();
        read_in_column_order::<users::Entity>();
        read_in_column_order::<organization_members::Entity>();
        read_in_column_order::<assessments::Entity>();
        read_in_column_order::<assessment_scores::Entity>();
        read_in_column_order::<entity::organization_digital_twins::Entity>();
        read_in_column_order::<entity::digital_twin_snapshots::Entity>();
        read_in_column_order::<entity::user_consents::Entity>();
        read_in_column_order::<entity::consent_types::Entity>();
        read_in_column_order::<entity::audit_log::Entity>();
    }

    fn sql(select: Select<assessments::Entity>) -> String {
        select.build(DbBackend::Postgres).to_string()
    }

    #[test]
    fn no_viewer_reads_nothing() {
        assert!(sql(Scope::default().select::<assessments::Entity>()).contains("1 = 2"));
    }

    #[test]
    fn a_viewer_reads_through_their_own_memberships_only() {
        let viewer = Uuid::now_v7();
        let sql = sql(Scope::of_user(viewer).select::<assessments::Entity>());
        assert!(sql.contains(&format!("\"{MEMBER}\".\"user_id\" = '{viewer}'")));
        assert!(sql.contains("\"status\" = 'active'"));
        assert!(
            sql.contains("'platform_admin'"),
            "a platform admin reads every organisation"
        );
    }

    #[test]
    fn a_probe_looks_up_the_rows_own_organisation_instead_of_building_a_set() {
        let viewer = Uuid::now_v7();
        let sql = sql(Scope::of_user(viewer)
            .probing_each_row()
            .select::<assessments::Entity>());
        assert!(!sql.contains("UNION"), "{sql}");
        assert!(
            sql.contains(&format!(
                "\"{ORGANIZATION}\".\"id\" = \"assessments\".\"organization_id\""
            )),
            "{sql}"
        );
        assert!(sql.contains("'platform_admin'"), "{sql}");
    }

    #[test]
    fn only_owners_and_admins_administer() {
        let scope = Scope::of_user(Uuid::now_v7());
        let administered_sql = sql(assessments::Entity::find()
            .filter(scope.administered(assessments::Column::OrganizationId)));
        assert!(
            administered_sql.contains("IN ('owner', 'admin')"),
            "{administered_sql}"
        );
        let member_sql = sql(scope.select::<assessments::Entity>());
        assert!(!member_sql.contains("'owner'"), "{member_sql}");
    }
}
