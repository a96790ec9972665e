//! `consent_types`: what people can consent to, one row per version. Public reference data,
//! read from the database each time because new versions arrive while the service runs.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::consent_types;
use sea_orm::{Condition, ConnectionTrait, DbErr, EntityTrait, QueryOrder};
use uuid::Uuid;

use super::read::{LoadError, Reader, Tenancy, Unjoined};

crate::row! {
    /// One version of a consent type.
    pub struct ConsentType of consent_types {
        pub id: Uuid,
        pub code: String,
        pub version: i32,
        pub name: String,
        pub description: String,
        pub required: bool,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

impl Unjoined for ConsentType {
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
    let types = consent_types::Entity::find()
        .order_by_asc(consent_types::Column::Code)
        .order_by_asc(consent_types::Column::Version)
        .all(db)
        .await?;
    Ok(types.iter().map(ConsentType::from).collect())
}

/// Every consent type (the key of a request's one read of them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AllConsentTypes;

impl Loader<AllConsentTypes> for Reader {
    type Value = Arc<Vec<ConsentType>>;
    type Error = LoadError;

    async fn load(
        &self,
        _keys: &[AllConsentTypes],
    ) -> Result<HashMap<AllConsentTypes, Self::Value>, LoadError> {
        let types = all(self.db()).await?;
        Ok(HashMap::from([(AllConsentTypes, Arc::new(types))]))
    }
}
