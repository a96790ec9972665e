//! GraphQL object types, one module per type; each wraps what the data layer read.

mod analytics;
mod assessment;
mod assessment_model;
mod audit_entry;
mod benchmark;
mod consent;
mod consent_type;
pub mod data_request;
mod digital_twin;
mod invitation;
mod maturity_level;
mod membership;
mod node;
mod organization;
mod organization_event;
mod score;
mod user;

pub use analytics::OrganizationAnalytics;
pub use assessment::Assessment;
pub use assessment_model::AssessmentModel;
pub use audit_entry::AuditEntry;
pub use benchmark::OrganizationBenchmark;
pub use consent::{ConsentStatus, UserConsent};
pub use consent_type::ConsentType;
pub use data_request::DataRequest;
pub use digital_twin::{DigitalTwin, DigitalTwinSnapshot};
pub use invitation::Invitation;
pub use maturity_level::{MaturityCriterion, MaturityLevel};
pub use membership::Membership;
pub use node::{Node, resolve_node};
pub use organization::Organization;
pub use organization_event::OrganizationEvent;
pub use score::AssessmentScore;
pub use user::User;

use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Json};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::guards::loaders;
use crate::db::read::{Joined, LoadError, Reader};
use crate::error::AppError;

/// A stored decimal as a GraphQL `Float`; stored decimals always fit.
fn decimal_to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or_default()
}

/// A stored JSON document as the `JSON` scalar.
fn json(value: &serde_json::Value) -> Json<serde_json::Value> {
    Json(value.clone())
}

/// The strings of a stored JSON array of strings.
fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// What the loader of key `K` answers.
type Loaded<K> = <Reader as Loader<K>>::Value;

/// One row by key, through the request's loaders, within the viewer's scope.
pub async fn load<K>(ctx: &Context<'_>, key: K) -> Result<Option<Loaded<K>>, AppError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Reader: Loader<K, Error = LoadError>,
{
    Ok(loaders(ctx).await?.load_one(key).await?)
}

/// A row the database guarantees (a foreign key within one organisation): a missing one is an
/// internal error, not a client's.
pub async fn related<K>(ctx: &Context<'_>, key: K) -> Result<Loaded<K>, AppError>
where
    K: Send + Sync + Hash + Eq + Clone + std::fmt::Debug + 'static,
    Reader: Loader<K, Error = LoadError>,
{
    load(ctx, key.clone()).await?.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "related row {key:?} is missing or out of scope"
        ))
    })
}

/// A to-one row: as its parent's read joined it, or else loaded by `key`.
pub async fn joined_or_load<T, K>(
    ctx: &Context<'_>,
    joined: &Joined<T>,
    key: K,
) -> Result<Option<Arc<T>>, AppError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Reader: Loader<K, Value = Arc<T>, Error = LoadError>,
{
    match joined {
        Joined::Read(row) => Ok(row.clone()),
        Joined::NotRead => load(ctx, key).await,
    }
}
