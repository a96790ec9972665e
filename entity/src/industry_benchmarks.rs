//! `industry_benchmarks`: one cohort's k-anonymous statistics (five organisations or more).

use sea_orm::entity::prelude::*;

use crate::enums::CompanySize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "industry_benchmarks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub industry: String,
    pub company_size: CompanySize,
    pub organization_count: i32,
    /// `{organization_count, mean, median, p25, p75}` of the maturity score.
    #[sea_orm(column_type = "JsonBinary")]
    pub maturity: Json,
    /// Dimension key → the same statistics, for dimensions enough organisations score.
    #[sea_orm(column_type = "JsonBinary")]
    pub dimensions: Json,
    pub refreshed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::benchmark_positions::Entity")]
    Positions,
}

impl Related<super::benchmark_positions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Positions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
