//! Creating, changing and (softly) deleting organisations.

use chrono::Utc;
use entity::enums::{AuditOperation, CompanySize, MemberRole, MemberStatus, OrganizationStatus};
use entity::{organization_members, organizations};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Actor, ClientMutationId, begin, conflict_on_unique, invalid, journal, require_role, values,
};
use crate::audit::Change;
use crate::domain::validation;
use crate::error::AppError;
use crate::events::NewEvent;

/// What a new organisation is given.
#[derive(Debug, Clone, Default)]
pub struct NewOrganization {
    pub name: String,
    pub slug: String,
    pub industry: Option<String>,
    pub company_size: Option<CompanySize>,
}

/// What may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    /// An empty string clears the industry.
    pub industry: Option<String>,
    pub company_size: Option<CompanySize>,
    /// Replaces the settings document; must be a JSON object.
    pub settings: Option<Value>,
}

/// Creates an organisation whose owner is the actor. Any signed-in person may.
pub async fn create(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    input: NewOrganization,
    client: ClientMutationId<'_>,
) -> Result<organizations::Model, AppError> {
    let name = validation::name(&input.name).map_err(invalid("input.name"))?;
    let slug = validation::slug(&input.slug).map_err(invalid("input.slug"))?;
    let industry = validation::optional_text(input.industry.as_deref(), 100)
        .map_err(invalid("input.industry"))?;
    let tx = begin(db).await?;
    if let Some(id) = client.previous(&tx, actor.user_id()).await? {
        return organizations::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(AppError::NotFound);
    }
    let now = Utc::now();
    let organization = organizations::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        slug: Set(slug),
        industry: Set(industry),
        company_size: Set(input.company_size),
        settings: Set(json!({})),
        status: Set(OrganizationStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    }
    .insert(&tx)
    .await
    .map_err(conflict_on_unique(
        "an organisation with this slug already exists",
    ))?;
    organization_members::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization.id),
        user_id: Set(actor.user_id()),
        role: Set(MemberRole::Owner),
        department: Set(None),
        status: Set(MemberStatus::Active),
        joined_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
    let mut new_values = values(&organization);
    if let Some(Value::Object(fields)) = new_values.as_mut() {
        fields.insert("owner_user_id".into(), json!(actor.user_id()));
    }
    journal(
        &tx,
        actor,
        Change {
            organization_id: Some(organization.id),
            actor_user_id: Some(actor.user_id()),
            table_name: "organizations",
            record_id: organization.id.to_string(),
            operation: AuditOperation::Insert,
            old_values: None,
            new_values,
        },
        event(
            actor,
            &organization,
            "organization.created",
            json!({ "slug": organization.slug }),
        ),
    )
    .await?;
    client.keep(&tx, actor.user_id(), organization.id).await?;
    tx.commit().await?;
    Ok(organization)
}

/// Changes an organisation's name, industry, size or settings. Admins and owners.
pub async fn update(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    organization_id: Uuid,
    changes: OrganizationChanges,
) -> Result<organizations::Model, AppError> {
    let name = changes
        .name
        .as_deref()
        .map(validation::name)
        .transpose()
        .map_err(invalid("input.name"))?;
    let industry = changes
        .industry
        .as_deref()
        .map(|industry| validation::optional_text(Some(industry), 100))
        .transpose()
        .map_err(invalid("input.industry"))?;
    if changes
        .settings
        .as_ref()
        .is_some_and(|settings| !settings.is_object())
    {
        return Err(AppError::BadUserInput {
            message: "`input.settings` must be a JSON object".into(),
            field: Some("input.settings".into()),
        });
    }
    let tx = begin(db).await?;
    let (before, _) = require_role(&tx, actor, organization_id, MemberRole::Admin).await?;
    let mut organization = before.clone().into_active_model();
    let mut changed = Vec::new();
    if let Some(name) = name {
        organization.name = Set(name);
        changed.push("name");
    }
    if let Some(industry) = industry {
        organization.industry = Set(industry);
        changed.push("industry");
    }
    if let Some(size) = changes.company_size {
        organization.company_size = Set(Some(size));
        changed.push("company_size");
    }
    if let Some(settings) = changes.settings {
        organization.settings = Set(settings);
        changed.push("settings");
    }
    organization.updated_at = Set(Utc::now());
    let after = organization.update(&tx).await?;
    journal(
        &tx,
        actor,
        Change {
            organization_id: Some(after.id),
            actor_user_id: Some(actor.user_id()),
            table_name: "organizations",
            record_id: after.id.to_string(),
            operation: AuditOperation::Update,
            old_values: values(&before),
            new_values: values(&after),
        },
        event(
            actor,
            &after,
            "organization.updated",
            json!({ "fields": changed }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes an organisation softly: it disappears for everyone, its rows stay for the record.
/// Owners only.
pub async fn delete(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    organization_id: Uuid,
) -> Result<organizations::Model, AppError> {
    let tx = begin(db).await?;
    let (before, _) = require_role(&tx, actor, organization_id, MemberRole::Owner).await?;
    let mut organization = before.clone().into_active_model();
    let now = Utc::now();
    organization.deleted_at = Set(Some(now));
    organization.updated_at = Set(now);
    let after = organization.update(&tx).await?;
    journal(
        &tx,
        actor,
        Change {
            organization_id: Some(after.id),
            actor_user_id: Some(actor.user_id()),
            table_name: "organizations",
            record_id: after.id.to_string(),
            operation: AuditOperation::Delete,
            old_values: values(&before),
            new_values: values(&after),
        },
        event(actor, &after, "organization.deleted", json!({})),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

fn event(
    actor: Actor<'_>,
    organization: &organizations::Model,
    event_type: &'static str,
    payload: Value,
) -> NewEvent {
    NewEvent {
        organization_id: Some(organization.id),
        actor_user_id: Some(actor.user_id()),
        aggregate_type: "organization",
        aggregate_id: organization.id,
        event_type,
        payload,
    }
}
