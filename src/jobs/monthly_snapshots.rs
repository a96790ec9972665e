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
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Cadence, Job, JobFuture, Period};

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
            let snapshots = twins
                .iter()
                .map(|twin| monthly_snapshot(twin, now).into_active_model());
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

/// A `monthly` snapshot of `twin` captured at `now`: the twin's own organisation, its own
/// values, nothing of any other.
fn monthly_snapshot(
    twin: &organization_digital_twins::Model,
    now: DateTime<Utc>,
) -> digital_twin_snapshots::Model {
    digital_twin_snapshots::Model {
        id: Uuid::now_v7(),
        twin_id: twin.id,
        organization_id: twin.organization_id,
        maturity_level: twin.maturity_level,
        maturity_score: twin.maturity_score,
        ai_readiness_score: twin.ai_readiness_score,
        assessment_count: twin.assessment_count,
        state: twin_state(twin),
        reason: SnapshotReason::Monthly,
        captured_at: now,
        created_at: now,
        updated_at: now,
    }
}

/// The whole state of a twin as a snapshot keeps it: its scalar values and its three
/// inventory documents.
pub fn twin_state(twin: &organization_digital_twins::Model) -> Value {
    json!({
        "maturity_level": twin.maturity_level,
        "maturity_score": twin.maturity_score,
        "ai_readiness_score": twin.ai_readiness_score,
        "assessment_count": twin.assessment_count,
        "computed_at": twin.computed_at,
        "technology_inventory": twin.technology_inventory,
        "skills_inventory": twin.skills_inventory,
        "readiness_indicators": twin.readiness_indicators,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rust_decimal::Decimal;

    use super::*;

    fn twin() -> organization_digital_twins::Model {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        organization_digital_twins::Model {
            id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            maturity_level: 6,
            maturity_score: Decimal::new(325, 2),
            ai_readiness_score: Decimal::new(6150, 2),
            technology_inventory: json!({ "crm": { "adoption": 4 } }),
            skills_inventory: json!({ "data_analysis": { "adoption": 2 } }),
            readiness_indicators: json!({ "data_quality": "3.10" }),
            assessment_count: 12,
            computed_at: at,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn the_state_holds_the_scalars_and_the_three_documents() {
        let twin = twin();
        assert_eq!(
            twin_state(&twin),
            json!({
                "maturity_level": 6,
                "maturity_score": "3.25",
                "ai_readiness_score": "61.50",
                "assessment_count": 12,
                "computed_at": "2026-11-20T09:00:00Z",
                "technology_inventory": { "crm": { "adoption": 4 } },
                "skills_inventory": { "data_analysis": { "adoption": 2 } },
                "readiness_indicators": { "data_quality": "3.10" },
            })
        );
    }

    #[test]
    fn a_monthly_snapshot_copies_its_own_twin() {
        let twin = twin();
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 21, 0, 0).unwrap();
        let snapshot = monthly_snapshot(&twin, now);
        assert_eq!(snapshot.twin_id, twin.id);
        assert_eq!(snapshot.organization_id, twin.organization_id);
        assert_eq!(snapshot.maturity_level, twin.maturity_level);
        assert_eq!(snapshot.maturity_score, twin.maturity_score);
        assert_eq!(snapshot.ai_readiness_score, twin.ai_readiness_score);
        assert_eq!(snapshot.assessment_count, twin.assessment_count);
        assert_eq!(snapshot.state, twin_state(&twin));
        assert_eq!(snapshot.reason, SnapshotReason::Monthly);
        assert_eq!(snapshot.captured_at, now);
    }
}
