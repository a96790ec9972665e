//! `benchmark_positions`: where one organisation stands in its cohort, as of the last refresh.

use sea_orm::entity::prelude::*;

use crate::enums::BenchmarkStanding;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "benchmark_positions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub organization_id: Uuid,
    pub standing: BenchmarkStanding,
    /// The cohort, when ranked.
    pub benchmark_id: Option<Uuid>,
    /// 0–100, when ranked.
    pub maturity_percentile: Option<Decimal>,
    /// Dimension key → percentile, for the dimensions the cohort describes.
    #[sea_orm(column_type = "JsonBinary")]
    pub dimension_percentiles: Json,
    pub refreshed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::industry_benchmarks::Entity",
        from = "Column::BenchmarkId",
        to = "super::industry_benchmarks::Column::Id",
        on_delete = "Cascade"
    )]
    Benchmark,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::industry_benchmarks::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Benchmark.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
