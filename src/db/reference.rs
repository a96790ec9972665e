//! Reads of public reference data: the maturity scale, its rubric and the consent types.

use entity::{consent_types, maturity_criteria, maturity_levels};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QueryOrder};

/// All maturity levels, lowest first.
pub async fn maturity_levels(
    db: &DatabaseConnection,
) -> Result<Vec<maturity_levels::Model>, DbErr> {
    maturity_levels::Entity::find()
        .order_by_asc(maturity_levels::Column::Level)
        .all(db)
        .await
}

/// The whole maturity rubric, by level then category.
pub async fn maturity_criteria(
    db: &DatabaseConnection,
) -> Result<Vec<maturity_criteria::Model>, DbErr> {
    maturity_criteria::Entity::find()
        .order_by_asc(maturity_criteria::Column::MaturityLevel)
        .order_by_asc(maturity_criteria::Column::Category)
        .all(db)
        .await
}

/// All consent types, by code then version.
pub async fn consent_types(db: &DatabaseConnection) -> Result<Vec<consent_types::Model>, DbErr> {
    consent_types::Entity::find()
        .order_by_asc(consent_types::Column::Code)
        .order_by_asc(consent_types::Column::Version)
        .all(db)
        .await
}
