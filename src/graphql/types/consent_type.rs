//! `ConsentType`: something a person can consent to, in one version.

use std::sync::Arc;

use async_graphql::{ID, Object};

use crate::graphql::id::NodeKind;

/// Something a person can consent to; a changed wording is a new version.
pub struct ConsentType(pub Arc<crate::db::consent_types::ConsentType>);

/// Something a person can consent to (marketing, analytics, data sharing, …). A changed
/// wording is a new version with its own ID. Public reference data.
#[Object]
impl ConsentType {
    /// The consent type's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::ConsentType.id(self.0.id)
    }

    /// Stable code, e.g. `marketing`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The version of the wording, from 1.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Short name shown to people.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What consenting means, shown to people.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Whether using the platform requires this consent.
    async fn required(&self) -> bool {
        self.0.required
    }
}
