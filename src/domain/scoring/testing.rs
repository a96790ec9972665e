//! Test support: the maturity scale and rubric the migrations seed, read from the same file.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{MaturityBand, MaturityScale, Rubric, RubricRow};

const MATURITY_REFERENCE: &str = include_str!("../../../migration/src/reference/maturity.json");

#[derive(Deserialize)]
struct Reference {
    levels: Vec<Level>,
    criteria: Vec<Criterion>,
}

#[derive(Deserialize)]
struct Level {
    level: i16,
    min_score: Decimal,
    max_score: Decimal,
}

#[derive(Deserialize)]
struct Criterion {
    level: i16,
    category: String,
    recommendation: String,
    next_step: String,
}

fn reference() -> Reference {
    serde_json::from_str(MATURITY_REFERENCE).expect("the maturity reference parses")
}

/// A decimal from a literal such as `"2.50"`.
pub fn dec(value: &str) -> Decimal {
    value.parse().expect("a decimal literal")
}

/// The maturity scale as `maturity_levels` holds it.
pub fn reference_scale() -> MaturityScale {
    MaturityScale::new(
        reference()
            .levels
            .into_iter()
            .map(|level| MaturityBand {
                level: level.level,
                min_score: level.min_score,
                max_score: level.max_score,
            })
            .collect(),
    )
}

/// The rubric as `maturity_criteria` holds it.
pub fn reference_rubric() -> Rubric {
    Rubric::new(reference().criteria.into_iter().map(|row| RubricRow {
        level: row.level,
        category: row.category,
        recommendation: row.recommendation,
        next_step: row.next_step,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scoring::RubricCategory;

    #[test]
    fn the_reference_rubric_covers_every_level_and_rubric_category() {
        let rubric = reference_rubric();
        for level in 0..10 {
            for category in RubricCategory::ALL {
                assert!(
                    rubric.advice(level, category).is_some(),
                    "no rubric row for level {level}, {category:?}"
                );
            }
        }
    }

    #[test]
    fn the_reference_scale_has_ten_levels_over_zero_to_five() {
        let scale = reference_scale();
        assert_eq!(scale.level_for(dec("0.00")), 0);
        assert_eq!(scale.level_for(dec("2.49")), 4);
        assert_eq!(scale.level_for(dec("2.50")), 5);
        assert_eq!(scale.level_for(dec("5.00")), 9);
    }
}
