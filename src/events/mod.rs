//! The outbox: every change writes one `events` row in its own transaction, so an event exists
//! exactly when its change committed. Subscriptions read from here. Payloads never hold
//! personal data, only ids, states and scores.

use chrono::{SubsecRound, Utc};
use entity::events;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, NotSet, Set};
use serde_json::Value;
use uuid::Uuid;

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
/// with the audit chain's lock, so sequences commit in order.
pub async fn append(tx: &impl ConnectionTrait, event: NewEvent) -> Result<events::Model, DbErr> {
    events::ActiveModel {
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
    .await
}
