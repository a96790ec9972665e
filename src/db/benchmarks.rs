//! `benchmark_positions` and `industry_benchmarks`: an organisation's standing, visible to its
//! members, and the cohort it is ranked in, visible to the members of an organisation ranked in
//! it. Nothing else crosses organisations, and only cohorts of five or more exist.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::enums::{BenchmarkStanding, CompanySize};
use entity::{benchmark_positions, industry_benchmarks};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition};
use serde_json::Value as Json;
use uuid::Uuid;

use super::read::{LoadError, Reader, Tenancy, Unjoined};

crate::row! {
    /// Where an organisation stands, as of the last refresh.
    pub struct Position of benchmark_positions {
        pub id: Uuid,
        pub organization_id: Uuid,
        pub standing: BenchmarkStanding,
        pub benchmark_id: Option<Uuid>,
        pub maturity_percentile: Option<Decimal>,
        pub dimension_percentiles: Json,
        pub refreshed_at: DateTime<Utc>,
    }
}

impl Unjoined for Position {
    fn tenancy() -> Tenancy<benchmark_positions::Entity> {
        Tenancy::Organization(benchmark_positions::Column::OrganizationId)
    }
}

/// The standing of an organisation, by the organisation's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PositionOfOrganization(pub Uuid);

impl Loader<PositionOfOrganization> for Reader {
    type Value = Arc<Position>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PositionOfOrganization],
    ) -> Result<HashMap<PositionOfOrganization, Self::Value>, LoadError> {
        self.lookup(
            benchmark_positions::Column::OrganizationId,
            keys,
            |key| (key.0, ()),
            |position: &Position, ()| PositionOfOrganization(position.organization_id),
        )
        .await
    }
}

crate::row! {
    /// A cohort's statistics.
    pub struct Cohort of industry_benchmarks {
        pub id: Uuid,
        pub industry: String,
        pub company_size: CompanySize,
        pub organization_count: i32,
        pub maturity: Json,
        pub dimensions: Json,
        pub refreshed_at: DateTime<Utc>,
    }
}

impl Unjoined for Cohort {
    /// A cohort one of the viewer's organisations is ranked in.
    fn tenancy() -> Tenancy<industry_benchmarks::Entity> {
        Tenancy::Own(|scope| {
            let ranked = Query::select()
                .column(benchmark_positions::Column::BenchmarkId)
                .from(benchmark_positions::Entity)
                .cond_where(scope.organizations(Expr::col((
                    benchmark_positions::Entity,
                    benchmark_positions::Column::OrganizationId,
                ))))
                .to_owned();
            Condition::all().add(industry_benchmarks::Column::Id.in_subquery(ranked))
        })
    }
}

/// A cohort by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CohortKey(pub Uuid);

impl Loader<CohortKey> for Reader {
    type Value = Arc<Cohort>;
    type Error = LoadError;

    async fn load(&self, keys: &[CohortKey]) -> Result<HashMap<CohortKey, Self::Value>, LoadError> {
        self.lookup(
            industry_benchmarks::Column::Id,
            keys,
            |key| (key.0, ()),
            |cohort: &Cohort, ()| CohortKey(cohort.id),
        )
        .await
    }
}
