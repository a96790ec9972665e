//! `organization_invitations`: visible to the owners and admins of the inviting organisation,
//! and to the person the invitation is addressed to, who sees which organisation invites them.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::enums::{InvitationStatus, MemberRole};
use entity::{organization_invitations as invitations, organizations};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DbErr, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use super::paging::{CursorValue, ListFilter, Listed, Parent, SortKey, ValueKind};
use super::read::{Columns, LoadError, Read, Reader, Tenancy, join_row_with, read};
use super::scope::Scope;

crate::row! {
    /// An invitation's own columns; the token's hash is never read.
    pub struct InvitationRow of organization_invitations {
        pub id: Uuid,
        pub organization_id: Uuid,
        pub inviter_id: Option<Uuid>,
        pub invitee_email: String,
        pub role: MemberRole,
        pub department: Option<String>,
        pub custom_message: Option<String>,
        pub status: InvitationStatus,
        pub expires_at: DateTime<Utc>,
        pub responded_at: Option<DateTime<Utc>>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

/// An invitation, with the name of the organisation that sent it: the invitee is no member
/// of it and reads nothing else of it.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub row: InvitationRow,
    pub organization_name: String,
}

impl Read for Invitation {
    type Entity = invitations::Entity;
    type Joins = ();

    fn tenancy() -> Tenancy<invitations::Entity> {
        Tenancy::Own(|scope| {
            scope.invitations(
                invitations::Column::OrganizationId.into_expr(),
                invitations::Column::InviteeEmail.into_expr(),
            )
        })
    }

    fn columns(
        select: Select<invitations::Entity>,
        _scope: &Scope,
        _joins: (),
    ) -> Select<invitations::Entity> {
        let select = InvitationRow::select(select, "");
        let on = Expr::col((organizations::Entity, organizations::Column::Id))
            .equals((invitations::Entity, invitations::Column::OrganizationId));
        join_row_with(select, organizations::Entity, on.into(), |select| {
            select.column_as(
                Expr::col((organizations::Entity, organizations::Column::Name)),
                "organization__name",
            )
        })
    }

    fn decode(row: &QueryResult, _joins: ()) -> Result<Self, DbErr> {
        Ok(Self {
            row: InvitationRow::read_at(row, 0)?,
            organization_name: row.try_get_by_index(InvitationRow::WIDTH)?,
        })
    }
}

/// An invitation by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvitationKey(pub Uuid);

impl Loader<InvitationKey> for Reader {
    type Value = Arc<Invitation>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[InvitationKey],
    ) -> Result<HashMap<InvitationKey, Self::Value>, LoadError> {
        self.lookup(
            invitations::Column::Id,
            keys,
            |key| (key.0, ()),
            |invitation: &Invitation, ()| InvitationKey(invitation.row.id),
        )
        .await
    }
}

/// The invitations an organisation sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvitationsOf(pub Uuid);

impl Parent for InvitationsOf {
    type Row = Invitation;

    fn column(self) -> invitations::Column {
        invitations::Column::OrganizationId
    }

    fn id(self) -> Uuid {
        self.0
    }

    fn id_of(self, invitation: &Invitation) -> Uuid {
        invitation.row.organization_id
    }
}

impl Listed for Invitation {
    type Filter = InvitationFilter;
    type Sort = InvitationSort;
    const KEY_KIND: ValueKind = ValueKind::Uuid;

    fn key(&self) -> CursorValue {
        CursorValue::Uuid(self.row.id)
    }
}

/// How invitations are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationSort {
    CreatedAt,
}

impl SortKey<Invitation> for InvitationSort {
    fn column(self) -> invitations::Column {
        invitations::Column::CreatedAt
    }

    fn kind(self) -> ValueKind {
        ValueKind::Time
    }

    fn value(self, invitation: &Invitation) -> CursorValue {
        CursorValue::Time(invitation.row.created_at)
    }
}

/// Which invitations to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct InvitationFilter {
    /// Stored statuses; an open invitation past its expiry is stored as pending.
    pub statuses: Option<Vec<InvitationStatus>>,
}

impl ListFilter<invitations::Entity> for InvitationFilter {
    fn apply(&self, select: Select<invitations::Entity>) -> Select<invitations::Entity> {
        select.apply_if(self.statuses.clone(), |select, statuses| {
            select.filter(invitations::Column::Status.is_in(statuses))
        })
    }
}

/// The invitations addressed to the viewer, oldest first; with `open_at`, only those open
/// then.
pub async fn addressed_to_viewer(
    reader: &Reader,
    open_at: Option<DateTime<Utc>>,
) -> Result<Vec<Invitation>, DbErr> {
    let addressed = reader
        .scope()
        .addressed_to_viewer(invitations::Column::InviteeEmail.into_expr());
    let select = read::<Invitation>(reader.scope(), ())
        .filter(addressed)
        .apply_if(open_at, |select, now| {
            select
                .filter(invitations::Column::Status.eq(InvitationStatus::Pending))
                .filter(invitations::Column::ExpiresAt.gt(now))
        })
        .order_by_asc(invitations::Column::CreatedAt)
        .order_by_asc(invitations::Column::Id);
    reader.all(select, ()).await
}
