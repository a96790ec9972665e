//! Root subscription fields: an organisation's events, live over a websocket. Each field is
//! guarded like the read API (another organisation's id is `NOT_FOUND`, as an unknown one),
//! and each event is delivered only while the subscriber may see the organisation and resolved
//! like a request of its own, by the subscriber as they are then.

use std::sync::Arc;

use async_graphql::{Context, Guard, ID, Result, Subscription as SubscriptionObject};
use futures_util::{Stream, StreamExt};

use super::enums::EventType;
use super::guards::{OrganizationRole, db, feeds, renew_viewer, viewer};
use super::id::{GlobalId, NodeKind};
use super::types::data_request::{self, DataRequest};
use super::types::{OrganizationEvent, load};
use crate::db::organizations::OrganizationKey;
use crate::error::AppError;
use crate::events::delivery::{Subscriber, Topic};
use crate::events::feed::{FeedEnd, FeedOf};
use entity::enums::DataRequestStatus;

/// How often `dataRequestProgress` reads its request again.
const PROGRESS_POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// The root of every subscription.
#[derive(Default)]
pub struct Subscription;

/// Live events of one organisation, over `graphql-transport-ws` (or the legacy `graphql-ws`)
/// on `/graphql`, with the token in the `connection_init` payload. Each event carries a
/// `resumeToken`: subscribing with it replays what happened after that event, then continues
/// live. A subscriber removed from the organisation gets a final `NOT_FOUND` error.
#[SubscriptionObject]
impl Subscription {
    /// Every event of the organisation, or only those of `types`.
    async fn organization_events<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "The organisation's global ID.")] organization_id: ID,
        #[graphql(desc = "Only events of these types; all by default.")] types: Option<
            Vec<EventType>,
        >,
        #[graphql(desc = "A `resumeToken` of an event received before.")] resume_token: Option<
            String,
        >,
    ) -> Result<impl Stream<Item = Result<OrganizationEvent>> + 'a> {
        let types = types.map(|types| types.into_iter().map(EventType::stored).collect());
        live(ctx, organization_id, Topic::Events(types), resume_token).await
    }

    /// Assessments submitted, and so scored: `assessment { score { … } }`.
    async fn assessment_scored<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "The organisation's global ID.")] organization_id: ID,
        #[graphql(desc = "A `resumeToken` of an event received before.")] resume_token: Option<
            String,
        >,
    ) -> Result<impl Stream<Item = Result<OrganizationEvent>> + 'a> {
        live(ctx, organization_id, Topic::AssessmentScored, resume_token).await
    }

    /// The digital twin recomputed: `digitalTwin { … }`.
    async fn digital_twin_updated<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "The organisation's global ID.")] organization_id: ID,
        #[graphql(desc = "A `resumeToken` of an event received before.")] resume_token: Option<
            String,
        >,
    ) -> Result<impl Stream<Item = Result<OrganizationEvent>> + 'a> {
        live(ctx, organization_id, Topic::TwinUpdated, resume_token).await
    }

    /// A data-subject request as it runs: its state now, then each change of `status`, until
    /// it completes, fails or is canceled, when the stream ends. Read by polling (the worker
    /// may run in another instance), under the same rule as `node(id:)`: a request the viewer
    /// may not see is `NOT_FOUND`, as an unknown one.
    async fn data_request_progress<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "The request's global ID.")] request_id: ID,
    ) -> Result<impl Stream<Item = Result<DataRequest>> + 'a> {
        let id: uuid::Uuid = GlobalId::decode_as(&request_id, NodeKind::DataRequest, "requestId")?;
        data_request::by_id(ctx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(futures_util::stream::unfold(
            (None, false),
            move |(last, finished): (Option<DataRequestStatus>, bool)| async move {
                if finished {
                    return None;
                }
                loop {
                    if last.is_some() {
                        tokio::time::sleep(PROGRESS_POLL).await;
                    }
                    let request = match data_request::by_id(ctx, id).await {
                        Ok(Some(request)) => request,
                        Ok(None) => return Some((Err(AppError::NotFound.into()), (last, true))),
                        Err(error) => return Some((Err(error.into()), (last, true))),
                    };
                    let status = request.0.status;
                    if Some(status) != last {
                        let over = matches!(
                            status,
                            DataRequestStatus::Completed
                                | DataRequestStatus::Failed
                                | DataRequestStatus::Canceled
                        );
                        return Some((Ok(request), (Some(status), over)));
                    }
                }
            },
        ))
    }

    /// Members added, changed, removed or gone: `membership { … }` (`null` once removed) and
    /// `subjectId`.
    async fn membership_changed<'a>(
        &self,
        ctx: &'a Context<'_>,
        #[graphql(desc = "The organisation's global ID.")] organization_id: ID,
        #[graphql(desc = "A `resumeToken` of an event received before.")] resume_token: Option<
            String,
        >,
    ) -> Result<impl Stream<Item = Result<OrganizationEvent>> + 'a> {
        live(ctx, organization_id, Topic::MembershipChanged, resume_token).await
    }
}

/// The organisation's events of `topic` for the subscriber, once the organisation is found
/// within their scope.
async fn live<'a>(
    ctx: &'a Context<'_>,
    organization_id: ID,
    topic: Topic,
    resume_token: Option<String>,
) -> Result<impl Stream<Item = Result<OrganizationEvent>> + 'a> {
    viewer(ctx).await?;
    let organization: uuid::Uuid =
        GlobalId::decode_as(&organization_id, NodeKind::Organization, "organizationId")?;
    load(ctx, OrganizationKey(organization, Default::default()))
        .await?
        .ok_or(AppError::NotFound)?;
    OrganizationRole::member_of(organization).check(ctx).await?;
    let subscriber = ctx
        .data::<Arc<Subscriber>>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no subscriber in the request data")))?
        .clone();
    let of = FeedOf {
        organization,
        topic,
        subscriber,
    };
    let feed = feeds(ctx)?
        .open(db(ctx)?.clone(), of, resume_token.as_deref())
        .await
        .map_err(ended)?;
    Ok(feed.map(move |item| {
        let delivery = item.map_err(ended)?;
        renew_viewer(ctx, delivery.viewer.clone())?;
        Ok(OrganizationEvent(delivery))
    }))
}

/// Why a feed ended, as the subscriber is told.
fn ended(end: FeedEnd) -> async_graphql::Error {
    match end {
        FeedEnd::Revoked => AppError::NotFound,
        FeedEnd::Lagged { resume_token } => AppError::SubscriberLagged { resume_token },
        FeedEnd::ReplayTooLong { most } => AppError::ReplayTooLong { most },
        FeedEnd::InvalidToken => AppError::BadUserInput {
            message: "`resumeToken` is not a resume token of this organisation".to_owned(),
            field: Some("resumeToken".to_owned()),
        },
        FeedEnd::Database(error) => AppError::from(error),
    }
    .into()
}
