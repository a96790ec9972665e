//! `DigitalTwin` and `DigitalTwinSnapshot`: an organisation's maturity and readiness, now and
//! over time.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};

use super::{MaturityLevel, Organization, decimal_to_f64, related};
use crate::db::organizations::OrganizationKey;
use crate::db::paging::Sort;
use crate::db::snapshots::{Snapshot, SnapshotSort, SnapshotStateKey, SnapshotsOf};
use crate::db::twins::{Twin, TwinDocuments, TwinDocumentsKey, TwinKey};
use crate::graphql::connection::{PageArgs, Paged, child_connection, complexity};
use crate::graphql::enums::SnapshotReason;
use crate::graphql::guards::OrganizationRole;
use crate::graphql::id::NodeKind;
use crate::graphql::inputs::{DigitalTwinSnapshotOrder, SnapshotFilterInput};

/// The current state of an organisation, rolled up from its scored assessments.
pub struct DigitalTwin(pub Arc<Twin>);

impl DigitalTwin {
    /// The twin's inventories, read when a field shows one.
    async fn documents(&self, ctx: &Context<'_>) -> Result<Arc<TwinDocuments>> {
        Ok(related(ctx, TwinDocumentsKey(self.0.id)).await?)
    }
}

#[Object(guard = "OrganizationRole::member_of(self.0.organization_id)")]
impl DigitalTwin {
    /// The twin's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::DigitalTwin.id(self.0.id)
    }

    /// The maturity level the organisation has reached.
    async fn maturity_level(&self, ctx: &Context<'_>) -> Result<MaturityLevel> {
        Ok(MaturityLevel::of(ctx, self.0.maturity_level)?)
    }

    /// The maturity score, 0–5.
    async fn maturity_score(&self) -> f64 {
        decimal_to_f64(self.0.maturity_score)
    }

    /// AI readiness, 0–100.
    async fn ai_readiness_score(&self) -> f64 {
        decimal_to_f64(self.0.ai_readiness_score)
    }

    /// The technology the organisation uses.
    async fn technology_inventory(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        Ok(super::json(
            &self.documents(ctx).await?.technology_inventory,
        ))
    }

    /// The skills the organisation has.
    async fn skills_inventory(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        Ok(super::json(&self.documents(ctx).await?.skills_inventory))
    }

    /// What the readiness score is made of.
    async fn readiness_indicators(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        Ok(super::json(
            &self.documents(ctx).await?.readiness_indicators,
        ))
    }

    /// How many scored assessments the twin is built from.
    async fn assessment_count(&self) -> i32 {
        self.0.assessment_count
    }

    /// When the twin was last computed.
    async fn computed_at(&self) -> DateTime<Utc> {
        self.0.computed_at
    }

    /// The organisation.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        let key = OrganizationKey(
            self.0.organization_id,
            Organization::joins(&ctx.look_ahead()),
        );
        Ok(Organization(related(ctx, key).await?))
    }

    /// The twin's history, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "complexity(first, last, child_complexity)")]
    #[allow(
        clippy::too_many_arguments,
        reason = "Relay paging arguments, filter and order"
    )]
    async fn snapshots(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<SnapshotFilterInput>,
        order_by: Option<DigitalTwinSnapshotOrder>,
    ) -> Result<Paged<DigitalTwinSnapshot>> {
        let sort = DigitalTwinSnapshotOrder::sort(order_by, NEWEST_SNAPSHOTS);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into();
        let of = SnapshotsOf(self.0.id);
        child_connection(ctx, of, filter, sort, args, |_| (), DigitalTwinSnapshot).await
    }
}

const NEWEST_SNAPSHOTS: Sort<SnapshotSort> = Sort {
    key: SnapshotSort::CapturedAt,
    descending: true,
};

/// The state of a digital twin at one moment.
pub struct DigitalTwinSnapshot(pub Arc<Snapshot>);

#[Object(guard = "OrganizationRole::member_of(self.0.organization_id)")]
impl DigitalTwinSnapshot {
    /// The snapshot's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::DigitalTwinSnapshot.id(self.0.id)
    }

    /// The maturity level reached at the time.
    async fn maturity_level(&self, ctx: &Context<'_>) -> Result<MaturityLevel> {
        Ok(MaturityLevel::of(ctx, self.0.maturity_level)?)
    }

    /// The maturity score at the time, 0–5.
    async fn maturity_score(&self) -> f64 {
        decimal_to_f64(self.0.maturity_score)
    }

    /// AI readiness at the time, 0–100.
    async fn ai_readiness_score(&self) -> f64 {
        decimal_to_f64(self.0.ai_readiness_score)
    }

    /// How many scored assessments the twin was built from at the time.
    async fn assessment_count(&self) -> i32 {
        self.0.assessment_count
    }

    /// The whole twin state at the time.
    async fn state(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        let snapshot = related(ctx, SnapshotStateKey(self.0.id)).await?;
        Ok(super::json(&snapshot.state))
    }

    /// Why the snapshot was taken.
    async fn reason(&self) -> SnapshotReason {
        self.0.reason.into()
    }

    /// The moment the snapshot describes.
    async fn captured_at(&self) -> DateTime<Utc> {
        self.0.captured_at
    }

    /// The twin.
    async fn digital_twin(&self, ctx: &Context<'_>) -> Result<DigitalTwin> {
        Ok(DigitalTwin(related(ctx, TwinKey(self.0.twin_id)).await?))
    }
}
