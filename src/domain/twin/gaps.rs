//! Gap analysis: which dimensions stand below a target maturity level, by how much, and the
//! rubric's steps to close each gap.
//!
//! The rule: a dimension is below the target when its score is under the target level's lowest
//! score. Its gap is that difference; its **expected impact** is the gap × the dimension's share
//! of the twin's weight, the rise of the maturity score if the gap closed and nothing else
//! moved. Gaps come largest impact first (ties: larger gap, then model order). The steps are the
//! rubric's advice for the dimension's rubric category at each level from the dimension's own
//! level up to the one below the target: the advice at a level is how to reach the next.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::aggregate::DimensionScore;
use super::model::TwinModel;
use crate::domain::scoring::{MaturityScale, Rubric};

/// The dimensions below a target level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapAnalysis {
    pub target_level: i16,
    /// The lowest maturity score at the target level.
    pub target_score: Decimal,
    /// Largest expected impact first.
    pub gaps: Vec<Gap>,
    /// Dimensions no counted assessment covers, so their gap is unknown.
    pub unmeasured: Vec<String>,
}

/// One dimension below the target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub dimension: String,
    pub name: String,
    pub score: Decimal,
    /// The maturity level the dimension's score alone reaches.
    pub level: i16,
    pub gap: Decimal,
    pub expected_impact: Decimal,
    pub steps: Vec<Step>,
}

/// One rubric step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The level the advice is for.
    pub level: i16,
    pub recommendation: String,
    pub next_step: String,
}

/// The target level is not on the maturity scale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`targetLevel` must be a maturity level from {lowest} to {highest}")]
pub struct UnknownLevel {
    pub lowest: i16,
    pub highest: i16,
}

/// The gaps of a twin's dimensions to a target maturity level.
pub fn gap_analysis(
    dimensions: &[DimensionScore],
    model: &TwinModel,
    scale: &MaturityScale,
    rubric: &Rubric,
    target_level: i16,
) -> Result<GapAnalysis, UnknownLevel> {
    let target_score = scale.min_score(target_level).ok_or(UnknownLevel {
        lowest: scale.lowest_level(),
        highest: scale.highest_level(),
    })?;
    let mut gaps: Vec<(usize, Gap)> = Vec::new();
    let mut unmeasured = Vec::new();
    for (position, dimension) in dimensions.iter().enumerate() {
        let Some(score) = dimension.score else {
            unmeasured.push(dimension.key.clone());
            continue;
        };
        if score >= target_score {
            continue;
        }
        let level = scale.level_for(score);
        let steps = model
            .dimension(&dimension.key)
            .map(|definition| {
                (level..target_level)
                    .filter_map(|at| rubric.advice(at, definition.rubric_category))
                    .map(|row| Step {
                        level: row.level,
                        recommendation: row.recommendation.clone(),
                        next_step: row.next_step.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let gap = target_score - score;
        gaps.push((
            position,
            Gap {
                dimension: dimension.key.clone(),
                name: dimension.name.clone(),
                score,
                level,
                gap,
                expected_impact: (gap * dimension.weight)
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
                steps,
            },
        ));
    }
    gaps.sort_by(|(a_position, a), (b_position, b)| {
        b.expected_impact
            .cmp(&a.expected_impact)
            .then(b.gap.cmp(&a.gap))
            .then(a_position.cmp(b_position))
    });
    Ok(GapAnalysis {
        target_level,
        target_score,
        gaps: gaps.into_iter().map(|(_, gap)| gap).collect(),
        unmeasured,
    })
}
