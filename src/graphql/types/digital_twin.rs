//! `DigitalTwin` and `DigitalTwinSnapshot`: an organisation's maturity and readiness, now and
//! over time.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};

use super::{MaturityLevel, Organization, decimal_to_f64, load, related};
use crate::db::organizations::OrganizationKey;
use crate::db::paging::Sort;
use crate::db::snapshots::{
    Snapshot, SnapshotSort, SnapshotStateKey, SnapshotsOf, SnapshotsWithin, Window,
};
use crate::db::twins::{Twin, TwinDocuments, TwinDocumentsKey, TwinKey};
use crate::domain::trend::{self, Bucket, Point};
use crate::error::AppError;
use crate::graphql::connection::{PageArgs, Paged, child_connection, complexity};
use crate::graphql::enums::{HistoryGranularity, SnapshotReason, TwinTrend};
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

    /// The twin's snapshots within `window`, oldest first, as the trend rules see them.
    async fn points(&self, ctx: &Context<'_>, window: Window) -> Result<Vec<Point>, AppError> {
        let key = SnapshotsWithin {
            twin: self.0.id,
            window,
        };
        let snapshots = load(ctx, key).await?.unwrap_or_default();
        Ok(snapshots.iter().map(point).collect())
    }

    /// The improvement rate over the last `months` months.
    async fn rate(&self, ctx: &Context<'_>, months: Option<i32>) -> Result<Option<f64>, AppError> {
        // An explicit null asks for the default too.
        let months = trend::months(months.unwrap_or(trend::DEFAULT_MONTHS)).map_err(|message| {
            AppError::BadUserInput {
                message,
                field: Some("months".to_owned()),
            }
        })?;
        let points = self.points(ctx, Window::LastMonths(months)).await?;
        Ok(trend::improvement_rate(&points))
    }
}

fn point(snapshot: &Snapshot) -> Point {
    Point {
        captured_at: snapshot.captured_at,
        maturity_score: decimal_to_f64(snapshot.maturity_score),
        ai_readiness: decimal_to_f64(snapshot.ai_readiness_score),
        level: snapshot.maturity_level,
    }
}

/// A history's complexity: its children once per bucket its range may hold.
fn history_complexity(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    granularity: Option<HistoryGranularity>,
    child_complexity: usize,
) -> usize {
    let granularity = granularity.unwrap_or_default().into();
    // A refused range costs nothing beyond its field: the resolver refuses it.
    let buckets = trend::check_range(from, to, granularity).unwrap_or(1);
    usize::try_from(buckets)
        .unwrap_or(1)
        .saturating_mul(child_complexity)
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

    /// The twin over time, oldest first: one point per bucket of `granularity` (UTC days, ISO
    /// weeks from Monday, calendar months) between `from` and `to` (both included) that holds
    /// a snapshot, showing the bucket's last snapshot, the state at the end of the bucket.
    /// Buckets without snapshots are left out. At most 400 buckets; `from` must not be after
    /// `to` (`BAD_USER_INPUT`).
    #[graphql(complexity = "history_complexity(from, to, granularity, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[graphql(default_with = "Some(HistoryGranularity::Month)")] granularity: Option<
            HistoryGranularity,
        >,
    ) -> Result<Vec<TwinHistoryPoint>> {
        // An explicit null asks for the default too.
        let granularity = granularity.unwrap_or_default().into();
        trend::check_range(from, to, granularity).map_err(|error| AppError::BadUserInput {
            message: error.message(),
            field: Some(error.argument().to_owned()),
        })?;
        let points = self.points(ctx, Window::Between(from, to)).await?;
        let buckets = trend::history(&points, from, to, granularity);
        let organization_id = self.0.organization_id;
        Ok(buckets
            .into_iter()
            .map(|bucket| TwinHistoryPoint {
                organization_id,
                bucket,
            })
            .collect())
    }

    /// How fast the maturity score moves: the least-squares slope of the maturity score of the
    /// snapshots of the last `months` calendar months (1–60) against time, in maturity points
    /// per month of 30.44 days, not rounded; `null` with fewer than two snapshots or all at one
    /// moment.
    async fn improvement_rate(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(trend::DEFAULT_MONTHS)")] months: Option<i32>,
    ) -> Result<Option<f64>> {
        Ok(self.rate(ctx, months).await?)
    }

    /// Where the twin is heading over the last `months` calendar months (1–60): IMPROVING at an
    /// improvement rate of +0.05 maturity points a month or more, DECLINING at −0.05 or less,
    /// STABLE between them or without a rate.
    async fn trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(trend::DEFAULT_MONTHS)")] months: Option<i32>,
    ) -> Result<TwinTrend> {
        Ok(trend::trend(self.rate(ctx, months).await?).into())
    }
}

/// One bucket of a twin's history: its state at the end of the bucket.
pub struct TwinHistoryPoint {
    organization_id: uuid::Uuid,
    bucket: Bucket,
}

#[Object(guard = "OrganizationRole::member_of(self.organization_id)")]
impl TwinHistoryPoint {
    /// When the bucket starts (midnight UTC); the first bucket may start before the range.
    async fn bucket_start(&self) -> DateTime<Utc> {
        self.bucket.start
    }

    /// When the bucket's last snapshot, whose values the point shows, was taken.
    async fn captured_at(&self) -> DateTime<Utc> {
        self.bucket.last.captured_at
    }

    /// The maturity score at the end of the bucket, 0–5.
    async fn maturity_score(&self) -> f64 {
        self.bucket.last.maturity_score
    }

    /// AI readiness at the end of the bucket, 0–100.
    async fn ai_readiness_score(&self) -> f64 {
        self.bucket.last.ai_readiness
    }

    /// The maturity level at the end of the bucket.
    async fn maturity_level(&self, ctx: &Context<'_>) -> Result<MaturityLevel> {
        Ok(MaturityLevel::of(ctx, self.bucket.last.level)?)
    }

    /// How many snapshots of the range fall in the bucket.
    async fn snapshot_count(&self) -> usize {
        self.bucket.snapshots
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
