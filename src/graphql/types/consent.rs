//! `UserConsent`: one grant or withdrawal of one consent by one person. Personal data.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::{ConsentType, User, related};
use crate::db::consent_types::ConsentTypeKey;
use crate::db::consents::Consent;
use crate::db::users::UserKey;
use crate::graphql::guards::PersonalDataOf;
use crate::graphql::id::NodeKind;

/// One grant or withdrawal; the newest per person and consent type is the current state.
pub struct UserConsent(pub Arc<Consent>);

impl From<entity::user_consents::Model> for UserConsent {
    fn from(row: entity::user_consents::Model) -> Self {
        Self(Arc::new(Consent::from(&row)))
    }
}

/// One grant or withdrawal of consent by a person; the newest record per person and consent
/// type is their current state. Personal: readable only by the person themself, by owners and
/// admins of an organisation they belong to, and by platform admins.
#[Object(guard = "PersonalDataOf(self.0.user_id)")]
impl UserConsent {
    /// The record's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::UserConsent.id(self.0.id)
    }

    /// What was consented to (or withdrawn).
    async fn consent_type(&self, ctx: &Context<'_>) -> Result<ConsentType> {
        Ok(ConsentType(
            related(ctx, ConsentTypeKey(self.0.consent_type_id)).await?,
        ))
    }

    /// `true` for a grant, `false` for a withdrawal.
    async fn granted(&self) -> bool {
        self.0.granted
    }

    /// When the person decided.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }

    /// Where the decision was made, e.g. `signup_form`.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    /// The person.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(related(ctx, UserKey(self.0.user_id)).await?))
    }
}
