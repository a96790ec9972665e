//! `DataRequest`: a data-subject request (an export or an erasure) about one person.

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::gdpr_requests;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::db::data_requests;
use crate::db::scope::Scope;
use crate::error::AppError;
use crate::graphql::enums::{DataRequestStatus, DataRequestType};
use crate::graphql::guards::{db, viewer};
use crate::graphql::id::NodeKind;

/// A data-subject request.
pub struct DataRequest(pub gdpr_requests::Model);

/// A request by a person (or a platform admin on their behalf) for a copy of their data or
/// its erasure. The background worker runs it; poll `status` to follow it. Its subject, who
/// made it and platform admins read everything; owners and admins of an organisation the
/// subject belongs or belonged to see that it exists and how it stands, never what it found.
#[Object]
impl DataRequest {
    /// The request's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::DataRequest.id(self.0.id)
    }

    /// What it asks for.
    #[graphql(name = "type")]
    async fn request_type(&self) -> DataRequestType {
        self.0.request_type.into()
    }

    /// An erasure that only counts what it would change, and changes nothing.
    async fn dry_run(&self) -> bool {
        self.0.dry_run
    }

    /// Where it stands.
    async fn status(&self) -> DataRequestStatus {
        self.0.status.into()
    }

    /// When it was made.
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }

    /// When the worker took it.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }

    /// When it completed, failed or was canceled.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }

    /// What the run found or changed, per table and column (`rows`, `strategy`), never a
    /// value; `null` until it completes, and for a viewer who is neither the subject, who made
    /// it, nor a platform admin.
    async fn result(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        Ok(sees_content(ctx, &self.0)
            .await?
            .then(|| self.0.result.clone().map(Json))
            .flatten())
    }

    /// Why it failed, under the same rule as `result`.
    async fn error(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(sees_content(ctx, &self.0)
            .await?
            .then(|| self.0.error.clone())
            .flatten())
    }
}

async fn sees_content(ctx: &Context<'_>, request: &gdpr_requests::Model) -> Result<bool> {
    let viewer = viewer(ctx).await?;
    Ok(viewer.is_platform_admin()
        || viewer.user_id == request.subject_user_id
        || Some(viewer.user_id) == request.requested_by)
}

/// The database and the viewer's scope, for reading requests.
async fn reads<'a>(ctx: &Context<'a>) -> Result<(&'a DatabaseConnection, Scope), AppError> {
    let viewer = viewer(ctx).await?;
    let db = db(ctx)?;
    Ok((db, Scope::new(db.get_database_backend(), viewer.access())))
}

/// The request with this id, if the viewer may see it.
pub async fn by_id(ctx: &Context<'_>, id: Uuid) -> Result<Option<DataRequest>, AppError> {
    let (db, scope) = reads(ctx).await?;
    Ok(data_requests::by_id(db, &scope, id).await?.map(DataRequest))
}

/// The requests about `person` the viewer may see, newest first.
pub async fn about(ctx: &Context<'_>, person: Uuid) -> Result<Vec<DataRequest>, AppError> {
    let (db, scope) = reads(ctx).await?;
    let rows = data_requests::about(db, &scope, person).await?;
    Ok(rows.into_iter().map(DataRequest).collect())
}

/// The requests about the people of `organization`, for its owners and admins.
pub async fn about_members_of(
    ctx: &Context<'_>,
    organization: Uuid,
) -> Result<Vec<DataRequest>, AppError> {
    let (db, scope) = reads(ctx).await?;
    let rows = data_requests::about_members_of(db, &scope, organization).await?;
    Ok(rows.into_iter().map(DataRequest).collect())
}
