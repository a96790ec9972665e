//! `OrganizationEvent`: something that happened in an organisation, as a subscription
//! delivers it.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::{Assessment, DigitalTwin, Membership, Organization, load};
use crate::db::assessments::AssessmentKey;
use crate::db::memberships::MembershipKey;
use crate::db::organizations::OrganizationKey;
use crate::db::twins::TwinKey;
use crate::events::feed::Delivery;
use crate::graphql::enums::EventType;
use crate::graphql::id::NodeKind;

/// An event delivered to a subscriber, resolved as they may see it now.
pub struct OrganizationEvent(pub Delivery);

impl OrganizationEvent {
    /// The kind of object the event is about, when the API names it.
    fn subject_kind(&self) -> Option<NodeKind> {
        match self.0.event.aggregate_type.as_str() {
            "organization" => Some(NodeKind::Organization),
            "membership" => Some(NodeKind::Membership),
            "assessment" => Some(NodeKind::Assessment),
            "digital_twin" => Some(NodeKind::DigitalTwin),
            _ => None,
        }
    }

    /// The id of the object the event is about, when it is of `kind`.
    fn subject_of(&self, kind: NodeKind) -> Option<uuid::Uuid> {
        (self.subject_kind() == Some(kind)).then_some(self.0.event.aggregate_id)
    }
}

/// Something that happened in an organisation. The object it is about is read when the event
/// is delivered, by the subscriber as they are then, under the same rules as a query: a field
/// is `null` when the event is about another kind of object or the object is gone.
#[Object]
impl OrganizationEvent {
    /// What happened; `null` for a kind of event this version of the API does not name.
    async fn r#type(&self) -> Option<EventType> {
        EventType::of_stored(&self.0.event.event_type)
    }

    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.event.created_at
    }

    /// Pass it as `resumeToken` when subscribing again (after a disconnection) to receive
    /// first what happened after this event. Opaque; valid for this organisation only.
    async fn resume_token(&self) -> &str {
        &self.0.resume_token
    }

    /// The global ID of the object the event is about (also when that object is gone).
    async fn subject_id(&self) -> Option<ID> {
        let kind = self.subject_kind()?;
        Some(kind.id(self.0.event.aggregate_id))
    }

    /// The organisation, when the event is about the organisation itself.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.subject_of(NodeKind::Organization) else {
            return Ok(None);
        };
        let joins = Organization::joins(&ctx.look_ahead());
        Ok(load(ctx, OrganizationKey(id, joins))
            .await?
            .map(Organization))
    }

    /// The membership, when the event is about one that still exists.
    async fn membership(&self, ctx: &Context<'_>) -> Result<Option<Membership>> {
        let Some(id) = self.subject_of(NodeKind::Membership) else {
            return Ok(None);
        };
        let joins = Membership::joins(&ctx.look_ahead());
        Ok(load(ctx, MembershipKey(id, joins)).await?.map(Membership))
    }

    /// The assessment (with its `score` once submitted), when the event is about one.
    async fn assessment(&self, ctx: &Context<'_>) -> Result<Option<Assessment>> {
        let Some(id) = self.subject_of(NodeKind::Assessment) else {
            return Ok(None);
        };
        let joins = Assessment::joins(&ctx.look_ahead());
        Ok(load(ctx, AssessmentKey(id, joins)).await?.map(Assessment))
    }

    /// The digital twin, as it is now, when the event is about it.
    async fn digital_twin(&self, ctx: &Context<'_>) -> Result<Option<DigitalTwin>> {
        let Some(id) = self.subject_of(NodeKind::DigitalTwin) else {
            return Ok(None);
        };
        Ok(load(ctx, TwinKey(id)).await?.map(DigitalTwin))
    }
}
