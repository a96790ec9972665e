//! Scoring of assessments: question models (data, per type and version), the engine that turns
//! responses into a score card, score brackets and the mapping of an overall score (0–5) onto the
//! maturity scale (0–9).

mod engine;
mod model;

#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod property_tests;
#[cfg(test)]
pub(crate) mod testing;

pub use engine::{
    ADVICE_CATEGORIES, LOW_CONFIDENCE_BELOW, ResponseError, Rubric, RubricRow, STRENGTH_FROM,
    ScoreCard, Swot, SwotEntry, THREAT_BELOW, WEAKNESS_BELOW, answer_points, is_low_confidence,
    require_every_category, score, validate_responses,
};
pub use model::{
    CURRENT_VERSION, Category, ChoiceOption, MAX_TOTAL_QUESTION_WEIGHT, Question, QuestionModel,
    RubricCategory, Scale, question_model, question_models, question_models_of,
};

use entity::enums::ScoreBracket;
use rust_decimal::Decimal;

/// The highest overall score.
pub const MAX_SCORE: Decimal = Decimal::from_parts(500, 0, 0, false, 2);

/// The bracket of an overall score: the score rounded down to a half point, never below 1.
///
/// `0.00..1.50 → score_1`, `1.50..2.00 → score_1_5`, …, `4.50..5.00 → score_4_5`, `5.00 → score_5`.
pub fn bracket_for(score: Decimal) -> ScoreBracket {
    let half_points = (score * Decimal::TWO).floor();
    match half_points.try_into().unwrap_or(0_i64) {
        i64::MIN..=2 => ScoreBracket::Score1,
        3 => ScoreBracket::Score1_5,
        4 => ScoreBracket::Score2,
        5 => ScoreBracket::Score2_5,
        6 => ScoreBracket::Score3,
        7 => ScoreBracket::Score3_5,
        8 => ScoreBracket::Score4,
        9 => ScoreBracket::Score4_5,
        _ => ScoreBracket::Score5,
    }
}

/// One rung of the maturity scale, as stored in `maturity_levels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaturityBand {
    /// The level, 0–9.
    pub level: i16,
    /// The lowest overall score that reaches the level.
    pub min_score: Decimal,
    /// The highest overall score still at the level.
    pub max_score: Decimal,
}

/// The maturity scale: which level an overall score reaches.
#[derive(Debug, Clone)]
pub struct MaturityScale {
    bands: Vec<MaturityBand>,
}

impl MaturityScale {
    /// Builds the scale from its bands, in any order.
    pub fn new(mut bands: Vec<MaturityBand>) -> Self {
        bands.sort_by_key(|band| band.level);
        Self { bands }
    }

    /// The lowest overall score that reaches a level; `None` for a level the scale lacks.
    pub fn min_score(&self, level: i16) -> Option<Decimal> {
        self.bands
            .iter()
            .find(|band| band.level == level)
            .map(|band| band.min_score)
    }

    /// The lowest level of the scale (0 when empty).
    pub fn lowest_level(&self) -> i16 {
        self.bands.first().map_or(0, |band| band.level)
    }

    /// The highest level of the scale (0 when empty).
    pub fn highest_level(&self) -> i16 {
        self.bands.last().map_or(0, |band| band.level)
    }

    /// The highest level whose minimum the score reaches; 0 for an empty scale.
    pub fn level_for(&self, score: Decimal) -> i16 {
        self.bands
            .iter()
            .rev()
            .find(|band| score >= band.min_score)
            .map_or(0, |band| band.level)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::dec;
    use super::*;

    fn ten_levels() -> MaturityScale {
        MaturityScale::new(
            (0..10)
                .map(|level| MaturityBand {
                    level,
                    min_score: Decimal::from(level) / Decimal::TWO,
                    max_score: if level == 9 {
                        MAX_SCORE
                    } else {
                        Decimal::from(level) / Decimal::TWO + dec("0.49")
                    },
                })
                .collect(),
        )
    }

    #[test]
    fn brackets_round_down_to_half_points() {
        assert_eq!(bracket_for(dec("0.00")), ScoreBracket::Score1);
        assert_eq!(bracket_for(dec("1.49")), ScoreBracket::Score1);
        assert_eq!(bracket_for(dec("1.50")), ScoreBracket::Score1_5);
        assert_eq!(bracket_for(dec("2.99")), ScoreBracket::Score2_5);
        assert_eq!(bracket_for(dec("4.50")), ScoreBracket::Score4_5);
        assert_eq!(bracket_for(dec("4.99")), ScoreBracket::Score4_5);
        assert_eq!(bracket_for(MAX_SCORE), ScoreBracket::Score5);
    }

    #[test]
    fn maturity_level_follows_the_bands() {
        let scale = ten_levels();
        assert_eq!(scale.level_for(dec("0.00")), 0);
        assert_eq!(scale.level_for(dec("0.49")), 0);
        assert_eq!(scale.level_for(dec("0.50")), 1);
        assert_eq!(scale.level_for(dec("2.75")), 5);
        assert_eq!(scale.level_for(dec("4.49")), 8);
        assert_eq!(scale.level_for(MAX_SCORE), 9);
    }

    #[test]
    fn empty_scale_maps_to_level_zero() {
        assert_eq!(MaturityScale::new(Vec::new()).level_for(dec("3.00")), 0);
    }
}
