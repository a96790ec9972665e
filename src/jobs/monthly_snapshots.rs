//! `monthly-snapshots`: once a month, a `monthly` snapshot of every live organisation's twin,
//! for history and trends that do not depend on how often a twin changes.

use anyhow::Context;
use chrono::{DateTime, Utc};
use entity::enums::SnapshotReason;
use entity::{digital_twin_snapshots, organization_digital_twins, organizations};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::{Cadence, Job, JobFuture, Period};
use crate::service::twins;

/// Snapshots every twin of a live organisation once a month.
#[derive(Debug, Clone, Copy)]
pub struct MonthlySnapshots {
    /// Twins read and snapshotted per statement pair, so memory stays bounded however many
    /// organisations there are.
    pub page_size: u64,
}

impl Default for MonthlySnapshots {
    fn default() -> Self {
        Self { page_size: 500 }
    }
}

impl Job for MonthlySnapshots {
    fn name(&self) -> &'static str {
        "monthly-snapshots"
    }

    fn cadence(&self) -> Cadence {
        Cadence::Monthly
    }

    fn run<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        period: &'a Period,
        now: DateTime<Utc>,
    ) -> JobFuture<'a> {
        Box::pin(self.snapshot_every_twin(db, period, now))
    }
}

impl MonthlySnapshots {
    /// Pages through the twins by id; each page is written with one statement, so a failure
    /// leaves whole pages behind and a retry carries on with the twins still missing theirs.
    async fn snapshot_every_twin(
        &self,
        db: &DatabaseConnection,
        period: &Period,
        now: DateTime<Utc>,
    ) -> anyhow::Result<u64> {
        let mut written = 0;
        let mut after = None;
        loop {
            let twins = twins_without_snapshot(db, period, after, self.page_size)
                .await
                .context("reading the twins to snapshot")?;
            let Some(last) = twins.last() else {
                return Ok(written);
            };
            after = Some(last.id);
            let full_page = twins.len() as u64 == self.page_size;
            written += twins.len() as u64;
            let snapshots = twins.iter().map(|twin| {
                twins::snapshot_row(twin, SnapshotReason::Monthly, now).into_active_model()
            });
            digital_twin_snapshots::Entity::insert_many(snapshots)
                .exec_without_returning(db)
                .await
                .context("writing monthly snapshots")?;
            if !full_page {
                return Ok(written);
            }
        }
    }
}

/// The next page of twins after `after`, in id order, of organisations that are not deleted
/// and have no `monthly` snapshot in `period` yet.
async fn twins_without_snapshot(
    db: &DatabaseConnection,
    period: &Period,
    after: Option<Uuid>,
    page_size: u64,
) -> Result<Vec<organization_digital_twins::Model>, DbErr> {
    use digital_twin_snapshots::Column as Snapshot;
    use organization_digital_twins::Column as Twin;

    let snapshot_in_period = Query::select()
        .expr(Expr::val(1))
        .from(digital_twin_snapshots::Entity)
        .and_where(
            Expr::col((digital_twin_snapshots::Entity, Snapshot::TwinId))
                .equals((organization_digital_twins::Entity, Twin::Id)),
        )
        .and_where(Snapshot::Reason.eq(SnapshotReason::Monthly))
        .and_where(Snapshot::CapturedAt.gte(period.starts_at))
        .and_where(Snapshot::CapturedAt.lt(period.ends_at))
        .to_owned();
    let mut page = organization_digital_twins::Entity::find()
        .inner_join(organizations::Entity)
        .filter(organizations::Column::DeletedAt.is_null())
        .filter(Expr::not_exists(snapshot_in_period))
        .order_by_asc(Twin::Id)
        .limit(page_size);
    if let Some(after) = after {
        page = page.filter(Twin::Id.gt(after));
    }
    page.all(db).await
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rust_decimal::Decimal;
    use serde_json::json;

    use super::*;

    #[test]
    fn a_monthly_snapshot_copies_its_own_twin() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        let twin = organization_digital_twins::Model {
            id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            maturity_level: 6,
            maturity_score: Decimal::new(325, 2),
            ai_readiness_score: Decimal::new(6150, 2),
            technology_inventory: json!([]),
            skills_inventory: json!([]),
            readiness_indicators: json!([{ "key": "technology", "score": 61.5 }]),
            dimension_scores: json!([{ "key": "strategy", "score": 3.25 }]),
            explanation: json!({ "model_version": "1.0" }),
            assessment_count: 12,
            computed_at: at,
            created_at: at,
            updated_at: at,
        };
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 21, 0, 0).unwrap();
        let snapshot = twins::snapshot_row(&twin, SnapshotReason::Monthly, now);
        assert_eq!(snapshot.twin_id, twin.id);
        assert_eq!(snapshot.organization_id, twin.organization_id);
        assert_eq!(
            (
                snapshot.maturity_level,
                snapshot.maturity_score,
                snapshot.assessment_count
            ),
            (
                twin.maturity_level,
                twin.maturity_score,
                twin.assessment_count
            )
        );
        assert_eq!(snapshot.ai_readiness_score, twin.ai_readiness_score);
        assert_eq!(snapshot.state["dimensions"], json!({ "strategy": 3.25 }));
        assert_eq!(
            snapshot.state["ai_readiness"],
            json!({ "technology": 61.5 })
        );
        assert_eq!(snapshot.reason, SnapshotReason::Monthly);
        assert_eq!(snapshot.captured_at, now);
    }
}
