//! `requestDataExport`, `requestErasure`, `cancelDataRequest`: data-subject requests, run in the background.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::DataRequestType;
use uuid::Uuid;

use super::Mutating;
use crate::error::AppError;
use crate::graphql::id::{GlobalId, NodeKind};
use crate::graphql::types::DataRequest;
use crate::graphql::types::data_request;
use crate::service::data_requests::{self, Ask};

/// Whose data to erase, and whether only to count.
#[derive(InputObject)]
pub struct RequestErasureInput {
    /// The person (a `User` ID); the viewer by default. Only platform admins ask for
    /// someone else.
    pub subject_id: Option<ID>,
    /// Only report, per table and column, how many rows would change and how; change
    /// nothing.
    #[graphql(default = false)]
    pub dry_run: bool,
}

/// Whose data to export.
#[derive(InputObject)]
pub struct RequestDataExportInput {
    /// The person (a `User` ID); the viewer by default. Only platform admins ask for
    /// someone else.
    pub subject_id: Option<ID>,
}

/// A request to act on.
#[derive(InputObject)]
pub struct DataRequestInput {
    /// The request (a `DataRequest` ID).
    pub request_id: ID,
}

/// The request as it is now.
#[derive(SimpleObject)]
pub struct DataRequestPayload {
    /// The request; poll it (`node(id:)`) to follow its `status`.
    pub request: DataRequest,
}

#[derive(Default)]
pub struct DataRequestMutations;

#[Object]
impl DataRequestMutations {
    /// Asks for a copy of everything stored about a person (the right of access): a zip of
    /// one JSON document and a CSV per table. Runs in the background; once `COMPLETED`, its
    /// `result.download` is a link the subject fetches once, with their token, before
    /// `result.expiresAt`. While one is open, asking again returns it. Someone other than the
    /// subject or a platform admin is answered `NOT_FOUND`.
    async fn request_data_export(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose data.")] input: RequestDataExportInput,
    ) -> Result<DataRequestPayload> {
        let ask = Ask {
            kind: DataRequestType::Export,
            dry_run: false,
        };
        ask_for(ctx, input.subject_id.as_ref(), ask).await
    }

    /// Asks for the erasure of a person's data (the right to be forgotten): every registered
    /// personal value about them is anonymised, their memberships end and their tokens stop
    /// working; scores and twins keep their figures. Runs in the background; while one is
    /// open, asking again returns it. Someone other than the subject or a platform admin is
    /// answered `NOT_FOUND`.
    async fn request_erasure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose data, and whether only to count.")] input: RequestErasureInput,
    ) -> Result<DataRequestPayload> {
        let mutating = Mutating::of(ctx).await?;
        let subject = input
            .subject_id
            .as_ref()
            .map(|id| GlobalId::decode_as::<Uuid>(id, NodeKind::User, "input.subjectId"))
            .transpose()?;
        let ask = Ask {
            kind: DataRequestType::Erasure,
            dry_run: input.dry_run,
        };
        let request = data_requests::request(mutating.db, mutating.actor(), subject, ask).await?;
        payload(ctx, request.id).await
    }

    /// Withdraws a request the worker has not started; one that started is a `CONFLICT`.
    async fn cancel_data_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request to withdraw.")] input: DataRequestInput,
    ) -> Result<DataRequestPayload> {
        let mutating = Mutating::of(ctx).await?;
        let id = GlobalId::decode_as(&input.request_id, NodeKind::DataRequest, "input.requestId")?;
        let canceled = data_requests::cancel(mutating.db, mutating.actor(), id).await?;
        payload(ctx, canceled.id).await
    }
}

async fn ask_for(ctx: &Context<'_>, subject: Option<&ID>, ask: Ask) -> Result<DataRequestPayload> {
    let mutating = Mutating::of(ctx).await?;
    let subject = subject
        .map(|id| GlobalId::decode_as::<Uuid>(id, NodeKind::User, "input.subjectId"))
        .transpose()?;
    let request = data_requests::request(mutating.db, mutating.actor(), subject, ask).await?;
    payload(ctx, request.id).await
}

async fn payload(ctx: &Context<'_>, id: Uuid) -> Result<DataRequestPayload> {
    let request = data_request::by_id(ctx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(DataRequestPayload { request })
}
