//! The one place that turns a viewer into SQL conditions. Every read of tenant data goes
//! through a [`Scope`]; a scope without a viewer matches nothing (deny by default), so a read
//! that forgot its scope returns nothing rather than everything.
//!
//! The viewer's organisations are read once per request (`db::viewer`) and bound into each
//! statement as a list, so no statement re-derives them row by row.

use std::sync::Arc;

use entity::{organization_members, organizations, users};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{Condition, DbBackend};
use uuid::Uuid;

use super::keys::any_of;

/// Who may read what, for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Access {
    /// No signed-in, active user: nothing of any organisation.
    #[default]
    Nobody,
    /// An active user and the live organisations they are an active member of.
    Member {
        viewer: Uuid,
        organizations: Arc<[Uuid]>,
        /// Those of `organizations` the viewer owns or administers.
        administered: Arc<[Uuid]>,
    },
    /// An active platform admin: every live organisation.
    PlatformAdmin { viewer: Uuid },
}

/// What one request may read, as conditions for one backend.
#[derive(Debug, Clone)]
pub struct Scope {
    backend: DbBackend,
    access: Access,
}

impl Scope {
    /// The scope of `access` on `backend`.
    pub fn new(backend: DbBackend, access: Access) -> Self {
        Self { backend, access }
    }

    /// The backend the conditions are written for.
    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    /// The active user the scope is for, if any.
    pub fn viewer(&self) -> Option<Uuid> {
        match self.access {
            Access::Nobody => None,
            Access::Member { viewer, .. } | Access::PlatformAdmin { viewer } => Some(viewer),
        }
    }

    /// Whether the viewer administers the whole platform.
    pub fn is_platform_admin(&self) -> bool {
        matches!(self.access, Access::PlatformAdmin { .. })
    }

    /// Rows whose organisation `column` is one the viewer may read.
    pub fn organizations(&self, column: Expr) -> Condition {
        match &self.access {
            Access::Nobody => nothing(column),
            Access::Member { organizations, .. } => {
                Condition::all().add(any_of(self.backend, column, organizations.iter().copied()))
            }
            Access::PlatformAdmin { .. } => Condition::all().add(Expr::exists(live(column))),
        }
    }

    /// Rows whose organisation `column` is one the viewer owns or administers.
    pub fn administered(&self, column: Expr) -> Condition {
        match &self.access {
            Access::Member { administered, .. } => {
                Condition::all().add(any_of(self.backend, column, administered.iter().copied()))
            }
            Access::Nobody | Access::PlatformAdmin { .. } => self.organizations(column),
        }
    }

    /// Live organisations the viewer may read, for the `organizations` table itself.
    pub fn organization_rows(&self) -> Condition {
        let id = Expr::col((organizations::Entity, organizations::Column::Id));
        let live = Expr::col((organizations::Entity, organizations::Column::DeletedAt)).is_null();
        match &self.access {
            Access::Nobody => nothing(id),
            Access::Member { organizations, .. } => Condition::all().add(live).add(any_of(
                self.backend,
                id,
                organizations.iter().copied(),
            )),
            Access::PlatformAdmin { .. } => Condition::all().add(live),
        }
    }

    /// People the viewer may know of: themselves, and anyone with a membership of an
    /// organisation the viewer may read.
    pub fn people(&self, user: Expr) -> Condition {
        match self.viewer() {
            None => nothing(user),
            Some(viewer) => Condition::any()
                .add(user.clone().eq(viewer))
                .add(Expr::exists(self.membership_of(user, false))),
        }
    }

    /// People whose personal data (email, phone, consents) the viewer may read: themselves,
    /// members of organisations the viewer owns or administers, and anyone for a platform
    /// admin.
    pub fn personal_data(&self, user: Expr) -> Condition {
        match &self.access {
            Access::Nobody => nothing(user),
            Access::PlatformAdmin { .. } => Condition::all(),
            Access::Member {
                viewer,
                administered,
                ..
            } => {
                let own = Condition::any().add(user.clone().eq(*viewer));
                if administered.is_empty() {
                    own
                } else {
                    own.add(Expr::exists(self.membership_of(user, true)))
                }
            }
        }
    }

    /// Invitations the viewer may read: those of organisations the viewer owns or administers,
    /// and those addressed to the viewer from any organisation that is not deleted.
    pub fn invitations(&self, organization: Expr, invitee_email: Expr) -> Condition {
        let addressed = Condition::all()
            .add(self.addressed_to_viewer(invitee_email))
            .add(Expr::exists(live(organization.clone())));
        Condition::any()
            .add(self.administered(organization))
            .add(addressed)
    }

    /// Rows whose (lower-case) email `column` is the viewer's own.
    pub fn addressed_to_viewer(&self, invitee_email: Expr) -> Condition {
        let Some(viewer) = self.viewer() else {
            return nothing(invitee_email);
        };
        let own = Alias::new("scope_self");
        let own_email = Query::select()
            .expr(Func::lower(Expr::col((own.clone(), users::Column::Email))))
            .from_as(users::Entity, own.clone())
            .and_where(Expr::col((own, users::Column::Id)).eq(viewer))
            .to_owned();
        Condition::all().add(invitee_email.in_subquery(own_email))
    }

    /// Any membership of `user` in an organisation the viewer may read (or administers).
    fn membership_of(&self, user: Expr, administered: bool) -> SelectStatement {
        let member = Alias::new("scope_member");
        let organization =
            Expr::col((member.clone(), organization_members::Column::OrganizationId));
        let condition = if administered {
            self.administered(organization)
        } else {
            self.organizations(organization)
        };
        Query::select()
            .expr(one())
            .from_as(organization_members::Entity, member.clone())
            .and_where(Expr::col((member, organization_members::Column::UserId)).eq(user))
            .cond_where(condition)
            .to_owned()
    }
}

/// The organisation `column` names, if it is not deleted.
fn live(column: Expr) -> SelectStatement {
    let organization = Alias::new("scope_organization");
    Query::select()
        .expr(one())
        .from_as(organizations::Entity, organization.clone())
        .and_where(Expr::col((organization.clone(), organizations::Column::Id)).eq(column))
        .and_where(Expr::col((organization, organizations::Column::DeletedAt)).is_null())
        .to_owned()
}

/// What an `EXISTS` probe selects: a constant, not a parameter.
fn one() -> Expr {
    Expr::Constant(1.into())
}

/// A condition no row meets (an empty list renders as `1 = 2`).
fn nothing(column: Expr) -> Condition {
    Condition::all().add(column.is_in(Vec::<Uuid>::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::assessments;
    use sea_orm::{EntityTrait, QueryFilter, QueryTrait};

    fn sql(scope: &Scope) -> String {
        assessments::Entity::find()
            .filter(scope.organizations(Expr::col(assessments::Column::OrganizationId)))
            .build(scope.backend())
            .to_string()
    }

    fn member(backend: DbBackend, organizations: &[Uuid], administered: &[Uuid]) -> Scope {
        Scope::new(
            backend,
            Access::Member {
                viewer: Uuid::now_v7(),
                organizations: organizations.into(),
                administered: administered.into(),
            },
        )
    }

    #[test]
    fn nobody_reads_nothing() {
        let scope = Scope::new(DbBackend::Postgres, Access::Nobody);
        assert!(sql(&scope).contains("1 = 2"), "{}", sql(&scope));
        let people = assessments::Entity::find()
            .filter(scope.personal_data(Expr::col(assessments::Column::UserId)))
            .build(DbBackend::Postgres)
            .to_string();
        assert!(people.contains("1 = 2"), "{people}");
    }

    #[test]
    fn a_member_reads_the_organisations_bound_into_the_statement() {
        let (alpha, beta) = (Uuid::now_v7(), Uuid::now_v7());
        let postgres = sql(&member(DbBackend::Postgres, &[alpha, beta], &[]));
        assert!(postgres.contains("= ANY("), "{postgres}");
        assert!(postgres.contains(&alpha.to_string()), "{postgres}");
        let sqlite = sql(&member(DbBackend::Sqlite, &[alpha, beta], &[]));
        assert!(sqlite.contains(" IN ("), "{sqlite}");
        assert!(sqlite.contains(&beta.to_string()), "{sqlite}");
    }

    #[test]
    fn a_member_of_nothing_reads_nothing() {
        let none = sql(&member(DbBackend::Sqlite, &[], &[]));
        assert!(none.contains("1 = 2"), "{none}");
    }

    #[test]
    fn a_platform_admin_reads_live_organisations_only() {
        let scope = Scope::new(
            DbBackend::Postgres,
            Access::PlatformAdmin {
                viewer: Uuid::now_v7(),
            },
        );
        let sql = sql(&scope);
        assert!(sql.contains("\"deleted_at\" IS NULL"), "{sql}");
    }

    #[test]
    fn personal_data_needs_an_administered_organisation() {
        let organization = Uuid::now_v7();
        let personal = |scope: &Scope| {
            assessments::Entity::find()
                .filter(scope.personal_data(Expr::col(assessments::Column::UserId)))
                .build(DbBackend::Postgres)
                .to_string()
        };
        let plain = personal(&member(DbBackend::Postgres, &[organization], &[]));
        assert!(
            !plain.contains("EXISTS"),
            "only the viewer themselves: {plain}"
        );
        let admin = personal(&member(
            DbBackend::Postgres,
            &[organization],
            &[organization],
        ));
        assert!(admin.contains("EXISTS"), "{admin}");
    }
}
