//! `UserConsent`: one grant or withdrawal of one consent by one person. Personal data.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::{ConsentType, User, related};
use crate::db::consent_types::{ConsentType as ConsentTypeRow, ConsentTypeKey};
use crate::db::consents::Consent;
use crate::db::users::UserKey;
use crate::domain::consent;
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

/// Where a person stands on one consent, derived from their decisions on any of its versions.
pub struct ConsentStatus {
    /// The current version of the consent's text.
    pub current: Arc<crate::db::consent_types::ConsentType>,
    pub state: consent::State,
}

impl ConsentStatus {
    /// The state of every consent (its current version) from the person's `decisions`.
    pub fn of_every_consent(types: &[ConsentTypeRow], decisions: &[Consent]) -> Vec<Self> {
        let mut current: Vec<&ConsentTypeRow> = Vec::new();
        for row in types {
            match current.iter_mut().find(|kept| kept.code == row.code) {
                Some(kept) if kept.version < row.version => *kept = row,
                Some(_) => {}
                None => current.push(row),
            }
        }
        current
            .into_iter()
            .map(|row| {
                let on_this_consent = decisions.iter().filter_map(|decision| {
                    let version = types
                        .iter()
                        .find(|kind| kind.id == decision.consent_type_id && kind.code == row.code)?
                        .version;
                    Some(consent::Decision {
                        id: decision.id,
                        version,
                        granted: decision.granted,
                        recorded_at: decision.recorded_at,
                    })
                });
                Self {
                    current: Arc::new(row.clone()),
                    state: consent::state(row.version, on_this_consent),
                }
            })
            .collect()
    }
}

/// Where a person stands on one consent: the newest of their decisions on any version of its
/// text stands; a new version awaits a new decision. Personal, like the decisions.
#[Object]
impl ConsentStatus {
    /// The consent, in the current version of its text.
    async fn consent_type(&self) -> ConsentType {
        ConsentType(self.current.clone())
    }

    /// The newest decision: granted or withdrawn; `null` before any.
    async fn granted(&self) -> Option<bool> {
        self.state.newest.map(|decision| decision.granted)
    }

    /// The version of the text the newest decision was made on.
    async fn decided_version(&self) -> Option<i32> {
        self.state.newest.map(|decision| decision.version)
    }

    /// When the newest decision was made.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.state.newest.map(|decision| decision.recorded_at)
    }

    /// Whether the current version awaits a decision (none yet, or one on an older text).
    async fn needs_decision(&self) -> bool {
        self.state.needs_decision
    }
}
