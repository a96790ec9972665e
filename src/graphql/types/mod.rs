//! GraphQL object types, one module per type; each wraps its stored row.

mod analytics;
mod assessment;
mod audit_entry;
mod consent;
mod consent_type;
mod digital_twin;
mod maturity_level;
mod membership;
mod node;
mod organization;
mod score;
mod user;

pub use analytics::OrganizationAnalytics;
pub use assessment::Assessment;
pub use audit_entry::AuditEntry;
pub use consent::UserConsent;
pub use consent_type::ConsentType;
pub use digital_twin::{DigitalTwin, DigitalTwinSnapshot};
pub use maturity_level::{MaturityCriterion, MaturityLevel};
pub use membership::Membership;
pub use node::{Node, resolve_node};
pub use organization::Organization;
pub use score::AssessmentScore;
pub use user::User;

use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Json, Lookahead};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sea_orm::EntityTrait;

use super::guards::loaders;
use crate::db::attach::Shape;
use crate::db::loaders::{Find, LoadError, Lookup, ScopedReader};
use crate::db::scope::ScopedEntity;
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

/// A row a lookup found, shared rather than copied into each object that shows it.
pub type Row<L> = Arc<<<L as Lookup>::Entity as EntityTrait>::Model>;

/// One row through the request's loaders, within the viewer's scope.
pub async fn find<L: Lookup>(ctx: &Context<'_>, key: L::Key) -> Result<Option<Row<L>>, AppError>
where
    ScopedReader: Loader<Find<L>, Value = Row<L>, Error = LoadError>,
{
    find_shaped::<L>(ctx, key, Shape::NONE).await
}

/// Like [`find`], reading the row in `shape`: its columns, and the to-one relations with it.
async fn find_shaped<L: Lookup>(
    ctx: &Context<'_>,
    key: L::Key,
    shape: Shape,
) -> Result<Option<Row<L>>, AppError>
where
    ScopedReader: Loader<Find<L>, Value = Row<L>, Error = LoadError>,
{
    let loaders = loaders(ctx)?;
    // A row joined onto its parent's read needs no batch: answering it at once spares the
    // wake-ups of a load for each of the many fields that ask for one.
    if let Some(row) = loaders.loader().prefetched::<L>(&key, shape) {
        return Ok(row);
    }
    Ok(loaders.load_one(Find::<L> { key, shape }).await?)
}

/// Like [`find`], reading the columns and relations the current field's selection shows: for
/// a field whose value is the row's object.
pub async fn find_selected<L: Lookup>(
    ctx: &Context<'_>,
    key: L::Key,
) -> Result<Option<Row<L>>, AppError>
where
    ScopedReader: Loader<Find<L>, Value = Row<L>, Error = LoadError>,
{
    find_shaped::<L>(ctx, key, shape_of::<L::Entity>(ctx)).await
}

/// The shape of a read of `E` that the current field's selection asks for.
pub fn shape_of<E: ScopedEntity>(ctx: &Context<'_>) -> Shape {
    let selection = ctx.look_ahead();
    Shape::selected::<E>(|path| reads(&selection, path))
}

/// Whether `selection` reads the field at `path`.
pub fn reads(selection: &Lookahead<'_>, path: &[&str]) -> bool {
    match path.split_first() {
        Some((field, rest)) => reads(&selection.field(field), rest),
        None => selection.exists(),
    }
}

/// Like [`find_selected`], for a relation the database guarantees (a foreign key within one
/// organisation): a missing row is an internal error, not a client's.
pub async fn related<L: Lookup>(ctx: &Context<'_>, key: L::Key) -> Result<Row<L>, AppError>
where
    ScopedReader: Loader<Find<L>, Value = Row<L>, Error = LoadError>,
    L::Key: std::fmt::Debug,
{
    find_selected::<L>(ctx, key.clone()).await?.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "related row {key:?} is missing or out of scope"
        ))
    })
}
