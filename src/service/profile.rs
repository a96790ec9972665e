//! A person changing their own profile.

use chrono::Utc;
use entity::enums::AuditOperation;
use entity::users::{self, Column};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, IdenStatic, IntoActiveModel, Set,
};
use serde_json::json;

use super::{Actor, begin, invalid, journal, values};
use crate::audit::Change;
use crate::domain::validation::{self, Invalid};
use crate::error::AppError;
use crate::events::NewEvent;

/// What may change; `None` leaves a field as it is, an empty string clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ProfileChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub timezone: Option<String>,
    pub linkedin_url: Option<String>,
    pub profile_pic_url: Option<String>,
}

/// Changes the actor's own profile. The event names the fields changed, never their values.
pub async fn update(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    changes: ProfileChanges,
) -> Result<users::Model, AppError> {
    type Check = fn(Option<&str>) -> Result<Option<String>, Invalid>;
    let optional: [(Column, &str, Option<String>, Check); 5] = [
        (Column::Title, "input.title", changes.title, |v| {
            validation::optional_text(v, 100)
        }),
        (
            Column::Phone,
            "input.phone",
            changes.phone,
            validation::phone,
        ),
        (
            Column::Timezone,
            "input.timezone",
            changes.timezone,
            validation::timezone,
        ),
        (
            Column::LinkedinUrl,
            "input.linkedinUrl",
            changes.linkedin_url,
            validation::url,
        ),
        (
            Column::ProfilePicUrl,
            "input.profilePicUrl",
            changes.profile_pic_url,
            validation::url,
        ),
    ];
    let mut checked = Vec::new();
    for (column, field, value, check) in optional {
        if let Some(value) = value {
            checked.push((column, check(Some(&value)).map_err(invalid(field))?));
        }
    }
    let first_name = changes
        .first_name
        .as_deref()
        .map(validation::name)
        .transpose()
        .map_err(invalid("input.firstName"))?;
    let last_name = changes
        .last_name
        .as_deref()
        .map(|name| validation::optional_text(Some(name), 200).map(Option::unwrap_or_default))
        .transpose()
        .map_err(invalid("input.lastName"))?;

    let tx = begin(db).await?;
    let before = users::Entity::find_by_id(actor.user_id())
        .one(&tx)
        .await?
        .ok_or(AppError::InvalidCredentials(
            crate::auth::viewer::Rejection::InactivePerson.reason(),
        ))?;
    let mut user = before.clone().into_active_model();
    let mut changed: Vec<&str> = Vec::new();
    if let Some(first_name) = first_name {
        user.first_name = Set(first_name);
        changed.push("first_name");
    }
    if let Some(last_name) = last_name {
        user.last_name = Set(last_name);
        changed.push("last_name");
    }
    for (column, value) in checked {
        user.set(column, value.into());
        changed.push(column.as_str());
    }
    user.updated_at = Set(Utc::now());
    let after = user.update(&tx).await?;
    journal(
        &tx,
        actor,
        Change {
            organization_id: None,
            actor_user_id: Some(actor.user_id()),
            table_name: "users",
            record_id: after.id.to_string(),
            operation: AuditOperation::Update,
            old_values: values(&before),
            new_values: values(&after),
        },
        NewEvent {
            organization_id: None,
            actor_user_id: Some(actor.user_id()),
            aggregate_type: "user",
            aggregate_id: after.id,
            event_type: "user.profile_updated",
            payload: json!({ "fields": changed }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
