//! `consent_types`: what people can consent to, one row per version. Public reference data,
//! read from the database each time because new versions arrive while the service runs.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::consent_types;
use sea_orm::{Condition, ConnectionTrait, DbErr, EntityTrait, QueryOrder};
use uuid::Uuid;

use super::read::{LoadError, Reader, Tenancy, Unjoined};

/// One version of a consent type.
pub type ConsentType = consent_types::Model;

impl Unjoined for ConsentType {
    type Entity = consent_types::Entity;

    /// Public: everyone may read every version.
    fn tenancy() -> Tenancy<consent_types::Entity> {
        Tenancy::Own(|_| Condition::all())
    }
}

/// A consent type by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConsentTypeKey(pub Uuid);

impl Loader<ConsentTypeKey> for Reader {
    type Value = Arc<ConsentType>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ConsentTypeKey],
    ) -> Result<HashMap<ConsentTypeKey, Self::Value>, LoadError> {
        self.lookup(
            consent_types::Column::Id,
            keys,
            |key| (key.0, ()),
            |consent_type: &ConsentType, ()| ConsentTypeKey(consent_type.id),
        )
        .await
    }
}

/// Every consent type, by code then version.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<ConsentType>, DbErr> {
    consent_types::Entity::find()
        .order_by_asc(consent_types::Column::Code)
        .order_by_asc(consent_types::Column::Version)
        .all(db)
        .await
}
