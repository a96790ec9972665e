//! `MaturityLevel`: one rung of the 0–9 maturity scale.

use async_graphql::Object;
use entity::maturity_levels;

use super::decimal_to_f64;

/// One rung of the maturity scale an organisation's overall score is mapped onto.
pub struct MaturityLevel(pub maturity_levels::Model);

#[Object]
impl MaturityLevel {
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
}
