//! `OrganizationBenchmark`: an organisation's place in its industry cohort, k-anonymous.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{decimal_to_f64, load};
use crate::db::benchmarks::{Cohort, CohortKey, Position};
use crate::domain::benchmark::{MIN_COHORT_SIZE, Statistics};
use crate::error::AppError;
use crate::graphql::enums::{BenchmarkStanding, CompanySize};
use crate::graphql::guards::OrganizationRole;

/// Where an organisation stands among the organisations of its industry and size, as of the
/// last refresh. Cohorts are fixed (no filter can narrow them), have five organisations or
/// more, and change only when the benchmarks are refreshed.
pub struct OrganizationBenchmark(pub Arc<Position>);

/// Where an organisation stands among the organisations of its industry and company size, as
/// of the last refresh of the benchmarks. Cohorts are fixed (no filter narrows them), hold
/// five organisations or more, and change only when the benchmarks are refreshed. Readable by
/// every member of the organisation.
#[Object(guard = "OrganizationRole::member_of(self.0.organization_id)")]
impl OrganizationBenchmark {
    /// Whether the organisation is ranked, and if not, why.
    async fn standing(&self) -> BenchmarkStanding {
        self.0.standing.into()
    }

    /// The standing in a sentence.
    async fn reason(&self) -> String {
        match BenchmarkStanding::from(self.0.standing) {
            BenchmarkStanding::Ranked => "ranked in its cohort".to_owned(),
            BenchmarkStanding::SmallCohort => format!(
                "its cohort has fewer than {MIN_COHORT_SIZE} organisations, so nothing of it \
                 is shown"
            ),
            BenchmarkStanding::NoCohort => {
                "it declares no industry or company size, so it is in no cohort".to_owned()
            }
            BenchmarkStanding::NotSharing => {
                "an owner withdrew data_sharing consent: it takes no part in benchmarks".to_owned()
            }
            BenchmarkStanding::NoTwin => "it has no digital twin to compare yet".to_owned(),
        }
    }

    /// When the benchmarks were last refreshed.
    async fn refreshed_at(&self) -> DateTime<Utc> {
        self.0.refreshed_at
    }

    /// The organisation's maturity percentile in its cohort, 0–100 (ties count half);
    /// `null` unless ranked.
    async fn maturity_percentile(&self) -> Option<f64> {
        self.0.maturity_percentile.map(decimal_to_f64)
    }

    /// The cohort's statistics; `null` unless ranked.
    async fn cohort(&self, ctx: &Context<'_>) -> Result<Option<BenchmarkCohort>> {
        let Some(id) = self.0.benchmark_id else {
            return Ok(None);
        };
        Ok(load(ctx, CohortKey(id))
            .await?
            .map(|cohort| BenchmarkCohort {
                cohort,
                position: self.0.clone(),
            }))
    }
}

/// A cohort: the organisations of one industry and company size.
pub struct BenchmarkCohort {
    cohort: Arc<Cohort>,
    position: Arc<Position>,
}

/// A benchmark cohort: the organisations of one industry and company size, of which only
/// anonymous aggregates are shown (never which organisations they are).
#[Object]
impl BenchmarkCohort {
    /// The industry.
    async fn industry(&self) -> &str {
        &self.cohort.industry
    }

    /// The company size band.
    async fn company_size(&self) -> CompanySize {
        self.cohort.company_size.into()
    }

    /// How many organisations it has (five or more).
    async fn organization_count(&self) -> i32 {
        self.cohort.organization_count
    }

    /// Their maturity scores (0–5).
    async fn maturity(&self) -> Result<BenchmarkStatistics> {
        let statistics: Statistics = read(&self.cohort.maturity, self.cohort.id)?;
        Ok(statistics.into())
    }

    /// Per dimension that five or more of them score: the statistics, and this organisation's
    /// percentile when it scores it.
    async fn dimensions(&self) -> Result<Vec<BenchmarkDimension>> {
        let statistics: BTreeMap<String, Statistics> =
            read(&self.cohort.dimensions, self.cohort.id)?;
        let percentiles: BTreeMap<String, Decimal> =
            read(&self.position.dimension_percentiles, self.position.id)?;
        Ok(statistics
            .into_iter()
            .map(|(key, statistics)| BenchmarkDimension {
                percentile: percentiles.get(&key).copied().map(decimal_to_f64),
                key,
                statistics: statistics.into(),
            })
            .collect())
    }
}

/// A cohort's figures for one score (the maturity score or a dimension's score, both 0–5), two
/// decimals each.
#[derive(SimpleObject)]
pub struct BenchmarkStatistics {
    /// How many organisations the figures describe (five or more).
    organization_count: i32,
    /// The mean score.
    mean: f64,
    /// The median score.
    median: f64,
    /// The first quartile.
    p25: f64,
    /// The third quartile.
    p75: f64,
}

impl From<Statistics> for BenchmarkStatistics {
    fn from(statistics: Statistics) -> Self {
        Self {
            organization_count: i32::try_from(statistics.organization_count).unwrap_or(i32::MAX),
            mean: decimal_to_f64(statistics.mean),
            median: decimal_to_f64(statistics.median),
            p25: decimal_to_f64(statistics.p25),
            p75: decimal_to_f64(statistics.p75),
        }
    }
}

/// One dimension of a cohort.
#[derive(SimpleObject)]
pub struct BenchmarkDimension {
    /// The dimension's key, as on `DigitalTwin.dimensions`.
    key: String,
    /// The cohort's scores in this dimension.
    statistics: BenchmarkStatistics,
    /// This organisation's percentile, 0–100.
    percentile: Option<f64>,
}

fn read<T: serde::de::DeserializeOwned>(
    document: &serde_json::Value,
    row: uuid::Uuid,
) -> Result<T, AppError> {
    serde_json::from_value(document.clone()).map_err(|error| {
        AppError::Internal(anyhow::anyhow!(
            "benchmark row {row} is unreadable: {error}"
        ))
    })
}
