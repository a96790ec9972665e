//! `organization_digital_twins`: one organisation's current maturity and readiness, visible to
//! its members. Its documents are read only by the fields that show them
//! ([`TwinDocumentsKey`]).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::organization_digital_twins;
use rust_decimal::Decimal;
use serde_json::Value as Json;
use uuid::Uuid;

use super::read::{LoadError, Reader, Tenancy, Unjoined};

crate::row! {
    /// A digital twin without its inventories.
    pub struct Twin of organization_digital_twins {
        pub id: Uuid,
        pub organization_id: Uuid,
        pub maturity_level: i16,
        pub maturity_score: Decimal,
        pub ai_readiness_score: Decimal,
        pub assessment_count: i32,
        pub computed_at: DateTime<Utc>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

impl Unjoined for Twin {
    fn tenancy() -> Tenancy<organization_digital_twins::Entity> {
        Tenancy::Organization(organization_digital_twins::Column::OrganizationId)
    }
}

/// A twin by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TwinKey(pub Uuid);

impl Loader<TwinKey> for Reader {
    type Value = Arc<Twin>;
    type Error = LoadError;

    async fn load(&self, keys: &[TwinKey]) -> Result<HashMap<TwinKey, Arc<Twin>>, LoadError> {
        self.lookup(
            organization_digital_twins::Column::Id,
            keys,
            |key| (key.0, ()),
            |twin: &Twin, ()| TwinKey(twin.id),
        )
        .await
    }
}

/// The twin of an organisation, by the organisation's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TwinOfOrganization(pub Uuid);

impl Loader<TwinOfOrganization> for Reader {
    type Value = Arc<Twin>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TwinOfOrganization],
    ) -> Result<HashMap<TwinOfOrganization, Arc<Twin>>, LoadError> {
        self.lookup(
            organization_digital_twins::Column::OrganizationId,
            keys,
            |key| (key.0, ()),
            |twin: &Twin, ()| TwinOfOrganization(twin.organization_id),
        )
        .await
    }
}

crate::row! {
    /// A twin's dimensions, inventories, readiness indicators and explanation.
    pub struct TwinDocuments of organization_digital_twins {
        pub id: Uuid,
        pub technology_inventory: Json,
        pub skills_inventory: Json,
        pub readiness_indicators: Json,
        pub dimension_scores: Json,
        pub explanation: Json,
    }
}

impl Unjoined for TwinDocuments {
    fn tenancy() -> Tenancy<organization_digital_twins::Entity> {
        <Twin as Unjoined>::tenancy()
    }
}

/// The inventories of a twin, by the twin's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TwinDocumentsKey(pub Uuid);

impl Loader<TwinDocumentsKey> for Reader {
    type Value = Arc<TwinDocuments>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TwinDocumentsKey],
    ) -> Result<HashMap<TwinDocumentsKey, Self::Value>, LoadError> {
        self.lookup(
            organization_digital_twins::Column::Id,
            keys,
            |key| (key.0, ()),
            |documents: &TwinDocuments, ()| TwinDocumentsKey(documents.id),
        )
        .await
    }
}
