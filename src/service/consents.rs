//! Granting and withdrawing consent: each decision appends a row; the newest row per person and
//! consent type is the current state. A decision that turns the `analytics` consent
//! recomputes, in its transaction, the twins the person's assessments count in.

use chrono::Utc;
use entity::enums::AuditOperation;
use entity::{consent_types, user_consents};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{Actor, begin, invalid, journal, twins, values};
use crate::audit::Change;
use crate::domain::consent;
use crate::domain::scoring::MaturityScale;
use crate::domain::validation;
use crate::error::AppError;
use crate::events::NewEvent;
use crate::privacy::strategy;

/// Records the actor's decision on a consent type: `granted` true to grant, false to withdraw.
pub async fn decide(
    db: &DatabaseConnection,
    scale: &MaturityScale,
    actor: Actor<'_>,
    consent_type_id: Uuid,
    granted: bool,
    source: Option<String>,
) -> Result<user_consents::Model, AppError> {
    let source =
        validation::optional_text(source.as_deref(), 100).map_err(invalid("input.source"))?;
    let tx = begin(db).await?;
    let consent_type = consent_types::Entity::find_by_id(consent_type_id)
        .one(&tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let turns_twins = consent::changes_twins(&consent_type.code)
        && consent::changes_state(
            newest_decision(&tx, actor.user_id(), &consent_type.code).await?,
            granted,
        );
    let now = Utc::now();
    let consent = user_consents::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(actor.user_id()),
        consent_type_id: Set(consent_type.id),
        granted: Set(granted),
        recorded_at: Set(now),
        source: Set(source),
        // Generalised at once (seed 004): the network proves where, the address is not needed.
        ip_address: Set(actor
            .request
            .ip_address
            .as_deref()
            .map(strategy::generalize_ip)),
        user_agent: Set(actor.request.user_agent.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
    if turns_twins {
        // Before the journal: organisations are locked before the audit chain, as everywhere.
        twins::recompute_counting(&tx, scale, actor.user_id(), now).await?;
    }
    journal(
        &tx,
        actor,
        Change {
            organization_id: None,
            actor_user_id: Some(actor.user_id()),
            table_name: "user_consents",
            record_id: consent.id.to_string(),
            operation: AuditOperation::Insert,
            old_values: None,
            new_values: values(&consent),
        },
        NewEvent {
            organization_id: None,
            actor_user_id: Some(actor.user_id()),
            aggregate_type: "consent",
            aggregate_id: consent.id,
            event_type: if granted {
                "consent.granted"
            } else {
                "consent.withdrawn"
            },
            payload: json!({ "consent_type": consent_type.code, "version": consent_type.version }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(consent)
}

/// The person's newest decision on any version of consent `code`: granted or not.
async fn newest_decision(
    tx: &impl ConnectionTrait,
    user_id: Uuid,
    code: &str,
) -> Result<Option<bool>, DbErr> {
    let of_code = Query::select()
        .column(consent_types::Column::Id)
        .from(consent_types::Entity)
        .and_where(consent_types::Column::Code.eq(code))
        .to_owned();
    user_consents::Entity::find()
        .select_only()
        .column(user_consents::Column::Granted)
        .filter(user_consents::Column::UserId.eq(user_id))
        .filter(user_consents::Column::ConsentTypeId.in_subquery(of_code))
        .order_by_desc(user_consents::Column::RecordedAt)
        .order_by_desc(user_consents::Column::Id)
        .into_tuple()
        .one(tx)
        .await
}
