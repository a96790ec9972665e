//! `MaturityLevel`: one rung of the 0–9 maturity scale.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use entity::{maturity_criteria, maturity_levels};

use super::decimal_to_f64;
use crate::error::AppError;
use crate::graphql::guards::reference;
use crate::graphql::id::NodeKind;

/// One rung of the maturity scale an organisation's overall score is mapped onto.
pub struct MaturityLevel(pub Arc<maturity_levels::Model>);

impl MaturityLevel {
    /// A level a stored row refers to (a foreign key): a missing one is an internal error.
    pub fn of(ctx: &Context<'_>, level: i16) -> Result<Self, AppError> {
        reference(ctx)?
            .maturity_level(level)
            .cloned()
            .map(Self)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("maturity level {level} is missing")))
    }
}

/// One rung of the maturity scale, 0 (absent) to 9 (transformative), that overall scores
/// (0–5) map onto; each level covers a range of scores. Public reference data.
#[Object]
impl MaturityLevel {
    /// The level's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::MaturityLevel.id(self.0.level)
    }

    /// The level, 0 (absent) to 9 (transformative).
    async fn level(&self) -> i16 {
        self.0.level
    }

    /// The level's short name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What an organisation at this level looks like.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The lowest overall score (0–5) that reaches this level.
    async fn min_score(&self) -> f64 {
        decimal_to_f64(self.0.min_score)
    }

    /// The highest overall score (0–5) within this level.
    async fn max_score(&self) -> f64 {
        decimal_to_f64(self.0.max_score)
    }

    /// The rubric at this level: one criterion per category.
    async fn criteria(&self, ctx: &Context<'_>) -> Result<Vec<MaturityCriterion>> {
        let criteria = reference(ctx)?.criteria_of(self.0.level);
        Ok(criteria.cloned().map(MaturityCriterion).collect())
    }
}

/// One entry of the maturity rubric: what a level means for one category, and how to climb.
pub struct MaturityCriterion(pub Arc<maturity_criteria::Model>);

/// One entry of the maturity rubric: what a maturity level means for one rubric category
/// (strategy, operations, technology, data, people) and how to climb to the next. Public
/// reference data.
#[Object]
impl MaturityCriterion {
    /// The criterion's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::MaturityCriterion.id(self.0.id)
    }

    /// The level the criterion belongs to.
    async fn maturity_level(&self, ctx: &Context<'_>) -> Result<MaturityLevel> {
        Ok(MaturityLevel::of(ctx, self.0.maturity_level)?)
    }

    /// The category: strategy, operations, technology, data or people.
    async fn category(&self) -> &str {
        &self.0.category
    }

    /// What an organisation at this level looks like in this category.
    async fn criterion(&self) -> &str {
        &self.0.criterion
    }

    /// What to improve to climb from here.
    async fn recommendation(&self) -> &str {
        &self.0.recommendation
    }

    /// A concrete next step.
    async fn next_step(&self) -> &str {
        &self.0.next_step
    }
}
