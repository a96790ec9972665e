//! The outbox: every change writes one `events` row in its own transaction, so an event exists
//! exactly when its change committed. Subscriptions read from here. Payloads never hold
//! personal data, only ids, states and scores.

pub mod broker;
pub mod delivery;
pub mod feed;
pub mod resume;

use chrono::{SubsecRound, Utc};
use entity::events;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, NotSet,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::Value;
use uuid::Uuid;

/// The PostgreSQL channel an appended event's sequence is announced on, at commit.
pub const CHANNEL: &str = "orgraph_events";

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub organization_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    /// What the event is about, e.g. `assessment`.
    pub aggregate_type: &'static str,
    pub aggregate_id: Uuid,
    /// `aggregate.verb`, e.g. `assessment.submitted`.
    pub event_type: &'static str,
    /// Ids, states and scores; never personal data.
    pub payload: Value,
}

/// Appends `event` inside `tx`. Its `sequence` comes from the database; appends are serialised
/// with the audit chain's lock, so sequences commit in order. On PostgreSQL the sequence is
/// announced on [`CHANNEL`], which the server delivers only if and when `tx` commits.
pub async fn append(tx: &impl ConnectionTrait, event: NewEvent) -> Result<events::Model, DbErr> {
    let row = events::ActiveModel {
        sequence: NotSet,
        id: Set(Uuid::now_v7()),
        organization_id: Set(event.organization_id),
        actor_user_id: Set(event.actor_user_id),
        aggregate_type: Set(event.aggregate_type.to_owned()),
        aggregate_id: Set(event.aggregate_id),
        event_type: Set(event.event_type.to_owned()),
        payload: Set(event.payload),
        created_at: Set(Utc::now().trunc_subsecs(6)),
    }
    .insert(tx)
    .await?;
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), row.sequence.to_string().into()],
        ))
        .await?;
    }
    Ok(row)
}

/// Up to `limit` events after `sequence`, oldest first: every organisation's, or one's.
pub async fn after(
    db: &impl ConnectionTrait,
    sequence: i64,
    organization_id: Option<Uuid>,
    limit: u64,
) -> Result<Vec<events::Model>, DbErr> {
    let mut query = events::Entity::find().filter(events::Column::Sequence.gt(sequence));
    if let Some(organization_id) = organization_id {
        query = query.filter(events::Column::OrganizationId.eq(organization_id));
    }
    query
        .order_by_asc(events::Column::Sequence)
        .limit(limit)
        .all(db)
        .await
}

/// The sequence of the latest event (of every organisation, or of one); 0 before the first.
pub async fn latest_sequence(
    db: &impl ConnectionTrait,
    organization_id: Option<Uuid>,
) -> Result<i64, DbErr> {
    let mut query = events::Entity::find();
    if let Some(organization_id) = organization_id {
        query = query.filter(events::Column::OrganizationId.eq(organization_id));
    }
    let latest: Option<Option<i64>> = query
        .select_only()
        .column_as(events::Column::Sequence.max(), "latest")
        .into_tuple()
        .one(db)
        .await?;
    Ok(latest.flatten().unwrap_or(0))
}
