//! `user_consents`: a person's grants and withdrawals, newest last; personal data, visible to
//! the person, to owners and admins of an organisation they share, and to platform admins.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::enums::MemberStatus;
use entity::{consent_types, organization_members, user_consents};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use super::paging::{CursorValue, ListFilter, Listed, Parent, SortKey, ValueKind};
use super::read::{LoadError, Reader, Tenancy, Unjoined};

use user_consents::Column as C;

crate::row! {
    /// One grant or withdrawal; where it was made from (address, user agent) is not read.
    pub struct Consent of user_consents {
        pub id: Uuid,
        pub user_id: Uuid,
        pub consent_type_id: Uuid,
        pub granted: bool,
        pub recorded_at: DateTime<Utc>,
        pub source: Option<String>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

impl Unjoined for Consent {
    fn tenancy() -> Tenancy<user_consents::Entity> {
        Tenancy::Own(|scope| scope.personal_data(user_consents::Column::UserId.into_expr()))
    }
}

/// A consent record by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConsentKey(pub Uuid);

impl Loader<ConsentKey> for Reader {
    type Value = Arc<Consent>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ConsentKey],
    ) -> Result<HashMap<ConsentKey, Self::Value>, LoadError> {
        self.lookup(
            user_consents::Column::Id,
            keys,
            |key| (key.0, ()),
            |consent: &Consent, ()| ConsentKey(consent.id),
        )
        .await
    }
}

/// The consent history of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConsentsOf(pub Uuid);

impl Parent for ConsentsOf {
    type Row = Consent;

    fn column(self) -> user_consents::Column {
        user_consents::Column::UserId
    }

    fn id(self) -> Uuid {
        self.0
    }

    fn id_of(self, consent: &Consent) -> Uuid {
        consent.user_id
    }
}

impl Listed for Consent {
    type Filter = ConsentFilter;
    type Sort = ConsentSort;
    const KEY_KIND: ValueKind = ValueKind::Uuid;

    fn key(&self) -> CursorValue {
        CursorValue::Uuid(self.id)
    }
}

/// How consent records are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentSort {
    RecordedAt,
}

impl SortKey<Consent> for ConsentSort {
    fn column(self) -> user_consents::Column {
        user_consents::Column::RecordedAt
    }

    fn kind(self) -> ValueKind {
        ValueKind::Time
    }

    fn value(self, consent: &Consent) -> CursorValue {
        CursorValue::Time(consent.recorded_at)
    }
}

/// Which consent records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ConsentFilter {
    pub granted: Option<bool>,
}

impl ListFilter<user_consents::Entity> for ConsentFilter {
    fn apply(&self, select: Select<user_consents::Entity>) -> Select<user_consents::Entity> {
        select.apply_if(self.granted, |select, granted| {
            select.filter(user_consents::Column::Granted.eq(granted))
        })
    }
}

/// The people whose newest decision on consent `code` (any version of it) is a withdrawal, as
/// a subquery of user ids.
pub fn withdrawn(code: &str) -> SelectStatement {
    newest_decision_is(code, false)
}

/// The people whose newest decision on consent `code` (any version of it) grants it, as a
/// subquery of user ids: an opt-in.
pub fn granted(code: &str) -> SelectStatement {
    newest_decision_is(code, true)
}

/// The people whose newest decision on consent `code` is `granted`. Ties on the time are
/// broken by the decision's id, as everywhere.
fn newest_decision_is(code: &str, granted: bool) -> SelectStatement {
    let (decision, newer) = (Alias::new("decision"), Alias::new("newer_decision"));
    let of_code = || {
        Query::select()
            .column(consent_types::Column::Id)
            .from(consent_types::Entity)
            .and_where(consent_types::Column::Code.eq(code))
            .to_owned()
    };
    let column = |table: &Alias, column: user_consents::Column| Expr::col((table.clone(), column));
    let later = Condition::any()
        .add(column(&newer, C::RecordedAt).gt(column(&decision, C::RecordedAt)))
        .add(
            Condition::all()
                .add(column(&newer, C::RecordedAt).eq(column(&decision, C::RecordedAt)))
                .add(column(&newer, C::Id).gt(column(&decision, C::Id))),
        );
    let superseded = Query::select()
        .expr(Expr::val(1))
        .from_as(user_consents::Entity, newer.clone())
        .and_where(column(&newer, C::UserId).eq(column(&decision, C::UserId)))
        .and_where(column(&newer, C::ConsentTypeId).in_subquery(of_code()))
        .cond_where(later)
        .to_owned();
    Query::select()
        .column((decision.clone(), C::UserId))
        .from_as(user_consents::Entity, decision.clone())
        .and_where(column(&decision, C::ConsentTypeId).in_subquery(of_code()))
        .and_where(column(&decision, C::Granted).eq(granted))
        .and_where(Expr::exists(superseded).not())
        .to_owned()
}

/// Every consent decision of a person (a state is derived from all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecisionsOf(pub Uuid);

impl Loader<DecisionsOf> for Reader {
    type Value = Arc<Vec<Consent>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[DecisionsOf],
    ) -> Result<HashMap<DecisionsOf, Self::Value>, LoadError> {
        let people = keys.iter().map(|key| key.0);
        let mut found: HashMap<DecisionsOf, Vec<Consent>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for decision in self.by_keys::<Consent, _>(C::UserId, people, ()).await? {
            if let Some(decisions) = found.get_mut(&DecisionsOf(decision.user_id)) {
                decisions.push(decision);
            }
        }
        Ok(found
            .into_iter()
            .map(|(key, decisions)| (key, Arc::new(decisions)))
            .collect())
    }
}

/// The active members of `organization` who opted in to consent `code`, by id.
pub async fn opted_in_members(
    db: &DatabaseConnection,
    organization: Uuid,
    code: &str,
) -> Result<Vec<Uuid>, DbErr> {
    organization_members::Entity::find()
        .select_only()
        .column(organization_members::Column::UserId)
        .filter(organization_members::Column::OrganizationId.eq(organization))
        .filter(organization_members::Column::Status.eq(MemberStatus::Active))
        .filter(organization_members::Column::UserId.in_subquery(granted(code)))
        .order_by_asc(organization_members::Column::UserId)
        .into_tuple()
        .all(db)
        .await
}
