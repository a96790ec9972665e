//! Public reference data. The maturity scale and its rubric are written by migrations and
//! nothing at run time changes them, so they are read once at start-up and served from memory:
//! no request spends a round trip on them.

use entity::{maturity_criteria, maturity_levels};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};
use std::sync::Arc;

use uuid::Uuid;

use crate::domain::scoring::{MaturityBand, MaturityScale, Rubric, RubricRow};

/// The maturity scale and rubric, as read at start-up.
#[derive(Debug, Clone)]
pub struct Reference {
    /// Lowest level first.
    levels: Vec<Arc<maturity_levels::Model>>,
    /// By level, then category.
    criteria: Vec<Arc<maturity_criteria::Model>>,
    scale: MaturityScale,
    rubric: Rubric,
}

impl Reference {
    /// Reads the maturity scale and rubric.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let levels = maturity_levels::Entity::find()
            .order_by_asc(maturity_levels::Column::Level)
            .all(db)
            .await?;
        let criteria = maturity_criteria::Entity::find()
            .order_by_asc(maturity_criteria::Column::MaturityLevel)
            .order_by_asc(maturity_criteria::Column::Category)
            .all(db)
            .await?;
        let scale = MaturityScale::new(
            levels
                .iter()
                .map(|level| MaturityBand {
                    level: level.level,
                    min_score: level.min_score,
                    max_score: level.max_score,
                })
                .collect(),
        );
        let rubric = Rubric::new(criteria.iter().map(|criterion| RubricRow {
            level: criterion.maturity_level,
            category: criterion.category.clone(),
            recommendation: criterion.recommendation.clone(),
            next_step: criterion.next_step.clone(),
        }));
        Ok(Self {
            levels: levels.into_iter().map(Arc::new).collect(),
            criteria: criteria.into_iter().map(Arc::new).collect(),
            scale,
            rubric,
        })
    }

    /// All maturity levels, lowest first.
    pub fn maturity_levels(&self) -> &[Arc<maturity_levels::Model>] {
        &self.levels
    }

    /// One maturity level by number.
    pub fn maturity_level(&self, level: i16) -> Option<&Arc<maturity_levels::Model>> {
        self.levels.iter().find(|row| row.level == level)
    }

    /// The rubric entries of one level, by category.
    pub fn criteria_of(&self, level: i16) -> impl Iterator<Item = &Arc<maturity_criteria::Model>> {
        self.criteria
            .iter()
            .filter(move |row| row.maturity_level == level)
    }

    /// One rubric entry by id.
    pub fn criterion(&self, id: Uuid) -> Option<&Arc<maturity_criteria::Model>> {
        self.criteria.iter().find(|row| row.id == id)
    }

    /// The maturity scale the scoring engine maps overall scores onto.
    pub fn scale(&self) -> &MaturityScale {
        &self.scale
    }

    /// The rubric the scoring engine draws advice from.
    pub fn rubric(&self) -> &Rubric {
        &self.rubric
    }
}
