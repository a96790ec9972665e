//! Reads of public reference data: the maturity scale, its rubric and the consent types.

use entity::{consent_types, maturity_criteria, maturity_levels};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryOrder};

use crate::domain::scoring::{MaturityBand, MaturityScale, Rubric, RubricRow};

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

/// The maturity scale and rubric the scoring engine needs, read from the reference tables.
pub async fn scoring_reference(
    db: &impl ConnectionTrait,
) -> Result<(MaturityScale, Rubric), DbErr> {
    let levels = maturity_levels::Entity::find().all(db).await?;
    let criteria = maturity_criteria::Entity::find().all(db).await?;
    let scale = MaturityScale::new(
        levels
            .into_iter()
            .map(|level| MaturityBand {
                level: level.level,
                min_score: level.min_score,
                max_score: level.max_score,
            })
            .collect(),
    );
    let rubric = Rubric::new(criteria.into_iter().map(|criterion| RubricRow {
        level: criterion.maturity_level,
        category: criterion.category,
        recommendation: criterion.recommendation,
        next_step: criterion.next_step,
    }));
    Ok((scale, rubric))
}
