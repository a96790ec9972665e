//! Granting and withdrawing consent: each decision appends a row; the newest row per person and
//! consent type is the current state.

use chrono::Utc;
use entity::enums::AuditOperation;
use entity::{consent_types, user_consents};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;
use uuid::Uuid;

use super::{Actor, begin, invalid, journal, values};
use crate::audit::Change;
use crate::domain::validation;
use crate::error::AppError;
use crate::events::NewEvent;

/// Records the actor's decision on a consent type: `granted` true to grant, false to withdraw.
pub async fn decide(
    db: &DatabaseConnection,
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
    let now = Utc::now();
    let consent = user_consents::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(actor.user_id()),
        consent_type_id: Set(consent_type.id),
        granted: Set(granted),
        recorded_at: Set(now),
        source: Set(source),
        ip_address: Set(actor.request.ip_address.clone()),
        user_agent: Set(actor.request.user_agent.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
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
