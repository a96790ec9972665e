//! Root query fields.

use async_graphql::{Context, Object, Result};
use sea_orm::DatabaseConnection;

use crate::db;
use crate::error::AppError;
use crate::graphql::types::{ConsentType, MaturityLevel};

/// The root of every read.
pub struct Query;

#[Object]
impl Query {
    /// The maturity scale, level 0 to 9. Public reference data.
    async fn maturity_levels(&self, ctx: &Context<'_>) -> Result<Vec<MaturityLevel>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let levels = db::reference::maturity_levels(db)
            .await
            .map_err(AppError::from)?;
        Ok(levels.into_iter().map(MaturityLevel).collect())
    }

    /// Every consent type a person can grant or withdraw, all versions. Public reference data.
    async fn consent_types(&self, ctx: &Context<'_>) -> Result<Vec<ConsentType>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let types = db::reference::consent_types(db)
            .await
            .map_err(AppError::from)?;
        Ok(types.into_iter().map(ConsentType).collect())
    }
}
