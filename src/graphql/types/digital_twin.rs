//! `DigitalTwin` and `DigitalTwinSnapshot`: an organisation's maturity and readiness, now and
//! over time.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::{MaturityLevel, Organization, decimal_to_f64, load, related};
use crate::db::organizations::OrganizationKey;
use crate::db::paging::Sort;
use crate::db::snapshots::{
    Snapshot, SnapshotSort, SnapshotStateKey, SnapshotsOf, SnapshotsWithin, Window,
};
use crate::db::twins::{Twin, TwinDocuments, TwinDocumentsKey, TwinKey};
use crate::domain::trend::{self, Bucket, Point};
use crate::domain::twin::{self, DimensionScore, GapAnalysis};
use crate::error::AppError;
use crate::graphql::connection::{PageArgs, Paged, child_connection, complexity};
use crate::graphql::enums::{HistoryGranularity, SnapshotReason, TwinTrend};
use crate::graphql::guards::{OrganizationRole, reference};
use crate::graphql::id::NodeKind;
use crate::graphql::inputs::{DigitalTwinSnapshotOrder, SnapshotFilterInput};

/// The current state of an organisation, rolled up from its scored assessments by the engine
/// in the transaction of each submission, archive or departure that changes it.
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

/// An organisation's digital twin: its current maturity (level 0–9, score 0–5) and AI
/// readiness (0–100), rolled up from its scored assessments whenever a submission, archive or
/// departure changes them, with the history of those changes. Readable by every member of the
/// organisation.
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

    /// Per dimension (strategy, operations & process, technology, data & AI, people &
    /// leadership, customer): its score, its share of the twin's weight, and the category scores
    /// of the assessments it is made of.
    async fn dimensions(&self, ctx: &Context<'_>) -> Result<Vec<TwinDimension>> {
        Ok(dimensions(self.documents(ctx).await?.as_ref())?
            .into_iter()
            .map(TwinDimension)
            .collect())
    }

    /// What the twin counted: the model version, each counted assessment with its weight
    /// (low-confidence scores weigh half), and the older assessments later ones superseded.
    async fn explanation(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        Ok(super::json(&self.documents(ctx).await?.explanation))
    }

    /// The dimensions below a target maturity level, largest expected impact first. A gap is
    /// the target level's lowest score minus the dimension's score; its expected impact is the
    /// gap × the dimension's share of the twin's weight (how much the maturity score would rise
    /// if that gap alone closed). Each gap lists the rubric's steps for the dimension from its
    /// own level up to the target.
    async fn gap_analysis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The maturity level to reach, 0–9; another number is \
            `BAD_USER_INPUT`.")]
        target_level: i32,
    ) -> Result<TwinGapAnalysis> {
        let documents = self.documents(ctx).await?;
        let reference = reference(ctx)?;
        let level = i16::try_from(target_level).unwrap_or(i16::MAX);
        let analysis = twin::gap_analysis(
            &dimensions(&documents)?,
            twin::twin_model(),
            reference.scale(),
            reference.rubric(),
            level,
        )
        .map_err(|unknown| AppError::BadUserInput {
            message: unknown.to_string(),
            field: Some("targetLevel".into()),
        })?;
        Ok(TwinGapAnalysis::from(analysis))
    }

    /// Per item (hosting, integration, AI tools, …): the mean points (0–5) of the answers, a
    /// tally of the answers given and the assessments they come from.
    async fn technology_inventory(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        Ok(super::json(
            &self.documents(ctx).await?.technology_inventory,
        ))
    }

    /// Per skill item (AI skills, coaching, succession, …): the mean points (0–5), a tally of
    /// the answers and the assessments they come from.
    async fn skills_inventory(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        Ok(super::json(&self.documents(ctx).await?.skills_inventory))
    }

    /// What the AI readiness score is made of: the technology, organisational and cultural
    /// signal groups with their scores (0–100), and each signal's points and contribution.
    async fn readiness_indicators(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        Ok(super::json(
            &self.documents(ctx).await?.readiness_indicators,
        ))
    }

    /// How many scored assessments the twin counts (the latest per respondent and type).
    async fn assessment_count(&self) -> i32 {
        self.0.assessment_count
    }

    /// When the twin last changed.
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
        #[graphql(desc = "How many rows from the start, or after `after`.")] first: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "How many rows from the end, or before `before`.")] last: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page ends before it.")] before: Option<String>,
        #[graphql(desc = "Which rows; all by default.")] filter: Option<SnapshotFilterInput>,
        #[graphql(desc = "Sort; newest by default.")] order_by: Option<DigitalTwinSnapshotOrder>,
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
        #[graphql(desc = "The start of the range; its bucket is the first.")] from: DateTime<Utc>,
        #[graphql(desc = "The end of the range, included; not before `from`.")] to: DateTime<Utc>,
        #[graphql(
            desc = "How wide a bucket is; `null` means the default, a calendar month.",
            default_with = "Some(HistoryGranularity::Month)"
        )]
        granularity: Option<HistoryGranularity>,
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
        #[graphql(
            desc = "How many months to look back from now (to the same day and time): \
                1–60; `null` means the default.",
            default_with = "Some(trend::DEFAULT_MONTHS)"
        )]
        months: Option<i32>,
    ) -> Result<Option<f64>> {
        Ok(self.rate(ctx, months).await?)
    }

    /// Where the twin is heading over the last `months` calendar months (1–60): IMPROVING at an
    /// improvement rate of +0.05 maturity points a month or more, DECLINING at −0.05 or less,
    /// STABLE between them or without a rate.
    async fn trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many months to look back from now (to the same day and time): \
                1–60; `null` means the default.",
            default_with = "Some(trend::DEFAULT_MONTHS)"
        )]
        months: Option<i32>,
    ) -> Result<TwinTrend> {
        Ok(trend::trend(self.rate(ctx, months).await?).into())
    }
}

/// One bucket of a twin's history: its state at the end of the bucket.
pub struct TwinHistoryPoint {
    organization_id: uuid::Uuid,
    bucket: Bucket,
}

/// One bucket of a twin's history (a day, week or month): the twin's state at the end of the
/// bucket, from the last snapshot captured in it.
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

/// The state of a digital twin at one moment, captured on every change and once a month.
/// Readable by every member of the organisation.
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

    /// The twin at the time: its figures, each dimension's and each AI readiness group's score,
    /// and what it counted.
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

/// The stored dimensions of a twin.
fn dimensions(documents: &TwinDocuments) -> Result<Vec<DimensionScore>, AppError> {
    serde_json::from_value(documents.dimension_scores.clone()).map_err(|error| {
        AppError::Internal(anyhow::anyhow!(
            "twin {} has unreadable dimensions: {error}",
            documents.id
        ))
    })
}

/// One dimension of a digital twin.
pub struct TwinDimension(DimensionScore);

/// One dimension of a digital twin (strategy, operations & process, technology, data & AI,
/// people & leadership, customer): its score, its weight, and what it is made of.
#[Object]
impl TwinDimension {
    /// `strategy`, `operations`, `technology`, `data_ai`, `people` or `customer`.
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// The dimension's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// 0–5; `null` when no counted assessment covers the dimension.
    async fn score(&self) -> Option<f64> {
        self.0.score.map(decimal_to_f64)
    }

    /// The dimension's share of the twin's weight, 0–1.
    async fn weight(&self) -> f64 {
        decimal_to_f64(self.0.weight)
    }

    /// The category scores it is made of: `[{assessment_id, category, score, weight}]`.
    async fn contributions(&self) -> Json<serde_json::Value> {
        Json(serde_json::to_value(&self.0.contributions).unwrap_or_default())
    }
}

/// The dimensions of a twin below a target level.
#[derive(SimpleObject)]
pub struct TwinGapAnalysis {
    /// The level aimed at.
    target_level: i32,
    /// The lowest maturity score at that level.
    target_score: f64,
    /// Largest expected impact first.
    gaps: Vec<TwinGap>,
    /// Dimensions no counted assessment covers, so their gap is unknown.
    unmeasured_dimensions: Vec<String>,
}

/// One dimension below the target.
#[derive(SimpleObject)]
pub struct TwinGap {
    /// The dimension's key.
    dimension: String,
    /// The dimension's name.
    name: String,
    /// Its score, 0–5.
    score: f64,
    /// The maturity level its score alone reaches.
    level: i32,
    /// Target score minus its score.
    gap: f64,
    /// Gap × the dimension's share of the twin's weight.
    expected_impact: f64,
    /// The rubric's steps, lowest level first.
    steps: Vec<TwinGapStep>,
}

/// One rubric step towards the target.
#[derive(SimpleObject)]
pub struct TwinGapStep {
    /// The level the advice is for.
    level: i32,
    /// What to do to reach the next level.
    recommendation: String,
    /// The first concrete step.
    next_step: String,
}

impl From<GapAnalysis> for TwinGapAnalysis {
    fn from(analysis: GapAnalysis) -> Self {
        Self {
            target_level: analysis.target_level.into(),
            target_score: decimal_to_f64(analysis.target_score),
            gaps: analysis
                .gaps
                .into_iter()
                .map(|gap| TwinGap {
                    dimension: gap.dimension,
                    name: gap.name,
                    score: decimal_to_f64(gap.score),
                    level: gap.level.into(),
                    gap: decimal_to_f64(gap.gap),
                    expected_impact: decimal_to_f64(gap.expected_impact),
                    steps: gap
                        .steps
                        .into_iter()
                        .map(|step| TwinGapStep {
                            level: step.level.into(),
                            recommendation: step.recommendation,
                            next_step: step.next_step,
                        })
                        .collect(),
                })
                .collect(),
            unmeasured_dimensions: analysis.unmeasured,
        }
    }
}
