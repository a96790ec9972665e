//! Refreshing the industry benchmarks: every organisation's twin read, cohorts formed under
//! k-anonymity (`domain::benchmark`), and both tables rewritten in one transaction, so readers
//! see the old figures or the new, never half of each.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use entity::enums::{BenchmarkStanding, MemberRole, MemberStatus};
use entity::{
    benchmark_positions, industry_benchmarks, organization_digital_twins, organization_members,
    organizations,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::begin_writing;
use crate::db::consents;
use crate::domain::benchmark::{self, Participant, Standing};
use crate::domain::consent;
use crate::domain::twin::DimensionScore;

/// Rows per multi-row insert.
const ROWS_PER_INSERT: usize = 500;

/// What a refresh wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refreshed {
    /// Cohorts large enough to describe.
    pub cohorts: usize,
    /// Organisations placed (ranked or not).
    pub organizations: usize,
}

/// Recomputes every cohort and every organisation's standing as of `at`.
pub async fn refresh(db: &DatabaseConnection, at: DateTime<Utc>) -> Result<Refreshed, DbErr> {
    let tx = begin_writing(db).await?;
    let participants = participants(&tx).await?;
    let result = benchmark::refresh(&participants);

    benchmark_positions::Entity::delete_many().exec(&tx).await?;
    industry_benchmarks::Entity::delete_many().exec(&tx).await?;
    let cohort_ids: Vec<Uuid> = result.cohorts.iter().map(|_| Uuid::now_v7()).collect();
    let cohorts = result
        .cohorts
        .iter()
        .zip(&cohort_ids)
        .map(|(cohort, id)| industry_benchmarks::ActiveModel {
            id: Set(*id),
            industry: Set(cohort.industry.clone()),
            company_size: Set(cohort.company_size),
            organization_count: Set(
                i32::try_from(cohort.maturity.organization_count).unwrap_or(i32::MAX)
            ),
            maturity: Set(json!(cohort.maturity)),
            dimensions: Set(json!(cohort.dimensions)),
            refreshed_at: Set(at),
            created_at: Set(at),
            updated_at: Set(at),
        })
        .collect::<Vec<_>>();
    for chunk in cohorts.chunks(ROWS_PER_INSERT) {
        industry_benchmarks::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&tx)
            .await?;
    }
    let positions = result
        .positions
        .iter()
        .map(|position| benchmark_positions::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(position.organization_id),
            standing: Set(stored(position.standing)),
            benchmark_id: Set(position.cohort.map(|index| cohort_ids[index])),
            maturity_percentile: Set(position.maturity_percentile),
            dimension_percentiles: Set(json!(position.dimension_percentiles)),
            refreshed_at: Set(at),
            created_at: Set(at),
            updated_at: Set(at),
        })
        .collect::<Vec<_>>();
    for chunk in positions.chunks(ROWS_PER_INSERT) {
        benchmark_positions::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Refreshed {
        cohorts: result.cohorts.len(),
        organizations: result.positions.len(),
    })
}

fn stored(standing: Standing) -> BenchmarkStanding {
    match standing {
        Standing::Ranked => BenchmarkStanding::Ranked,
        Standing::SmallCohort => BenchmarkStanding::SmallCohort,
        Standing::NoCohort => BenchmarkStanding::NoCohort,
        Standing::NotSharing => BenchmarkStanding::NotSharing,
        Standing::NoTwin => BenchmarkStanding::NoTwin,
    }
}

/// Every organisation that is not deleted, with its twin's figures and whether it shares.
async fn participants(tx: &impl ConnectionTrait) -> Result<Vec<Participant>, DbErr> {
    let withdrawn = withdrawn_organizations(tx).await?;
    let rows = organizations::Entity::find()
        .filter(organizations::Column::DeletedAt.is_null())
        .find_also_related(organization_digital_twins::Entity)
        .all(tx)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(organization, twin)| {
            let twin = twin.filter(|twin| twin.assessment_count > 0);
            let dimensions: Vec<DimensionScore> = twin
                .as_ref()
                .and_then(|twin| serde_json::from_value(twin.dimension_scores.clone()).ok())
                .unwrap_or_default();
            Participant {
                organization_id: organization.id,
                industry: organization
                    .industry
                    .filter(|industry| !industry.is_empty()),
                company_size: organization.company_size,
                sharing: !withdrawn.contains(&organization.id),
                maturity: twin.map(|twin| twin.maturity_score),
                dimensions: dimensions
                    .into_iter()
                    .filter_map(|dimension| Some((dimension.key, dimension.score?)))
                    .collect::<BTreeMap<_, _>>(),
            }
        })
        .collect())
}

/// Organisations with an active owner whose latest `data_sharing` decision is a withdrawal.
async fn withdrawn_organizations(tx: &impl ConnectionTrait) -> Result<HashSet<Uuid>, DbErr> {
    // A subquery, not a list of ids: the statement's size does not grow with the platform.
    let organizations: Vec<Uuid> = organization_members::Entity::find()
        .select_only()
        .column(organization_members::Column::OrganizationId)
        .filter(organization_members::Column::Role.eq(MemberRole::Owner))
        .filter(organization_members::Column::Status.eq(MemberStatus::Active))
        .filter(
            organization_members::Column::UserId
                .in_subquery(consents::withdrawn(consent::DATA_SHARING)),
        )
        .into_tuple()
        .all(tx)
        .await?;
    Ok(organizations.into_iter().collect())
}
