//! Industry benchmarks: organisations grouped into fixed cohorts (industry × company size), the
//! cohort's statistics and each organisation's percentile in it, under k-anonymity.
//!
//! - A cohort of fewer than [`MIN_COHORT_SIZE`] organisations yields nothing: no count, no
//!   statistic, no percentile. The same holds per dimension: a dimension scored by fewer than
//!   that many of the cohort's organisations is left out.
//! - Cohorts are fixed by the organisations' declared industry and size; callers cannot filter
//!   them, so two queries never describe two sets that differ by one organisation. Figures
//!   change only at a refresh, so an organisation cannot probe its cohort by changing its own
//!   scores and asking again.
//! - An organisation whose owners withdrew `data_sharing` consent takes no part: it is in no
//!   cohort, and is shown no benchmark.
//! - Quantiles interpolate linearly between the two nearest ranks (`(n − 1) × q`); the
//!   percentile of a value is the share of the cohort below it, counting ties as half.

use std::collections::BTreeMap;

use entity::enums::CompanySize;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The fewest organisations a cohort may describe.
pub const MIN_COHORT_SIZE: usize = 5;

/// A cohort's statistics for one figure (maturity, or one dimension), two decimals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    pub organization_count: usize,
    #[serde(with = "rust_decimal::serde::float")]
    pub mean: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub median: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub p25: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub p75: Decimal,
}

/// The statistics of `values`; `None` for fewer than [`MIN_COHORT_SIZE`] of them.
pub fn statistics(values: &[Decimal]) -> Option<Statistics> {
    if values.len() < MIN_COHORT_SIZE {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort();
    let count = Decimal::from(sorted.len());
    Some(Statistics {
        organization_count: sorted.len(),
        mean: two_places(sorted.iter().sum::<Decimal>() / count),
        median: two_places(quantile(&sorted, Decimal::new(5, 1))),
        p25: two_places(quantile(&sorted, Decimal::new(25, 2))),
        p75: two_places(quantile(&sorted, Decimal::new(75, 2))),
    })
}

/// The percentile (0–100, two decimals) of `own` among `values`: the share below it, ties
/// counting half.
pub fn percentile_rank(values: &[Decimal], own: Decimal) -> Decimal {
    if values.is_empty() {
        return Decimal::ZERO;
    }
    let below = values.iter().filter(|value| **value < own).count();
    let equal = values.iter().filter(|value| **value == own).count();
    two_places(
        (Decimal::from(below) + Decimal::from(equal) / Decimal::TWO) * Decimal::ONE_HUNDRED
            / Decimal::from(values.len()),
    )
}

/// Linear interpolation between the closest ranks of sorted, non-empty `values`.
fn quantile(sorted: &[Decimal], q: Decimal) -> Decimal {
    let position = q * Decimal::from(sorted.len() - 1);
    let lower = position.floor();
    let index = usize::try_from(lower).unwrap_or_default();
    let fraction = position - lower;
    match sorted.get(index + 1) {
        Some(next) => sorted[index] + (*next - sorted[index]) * fraction,
        None => sorted[index],
    }
}

fn two_places(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// One organisation as a benchmark refresh sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub organization_id: Uuid,
    pub industry: Option<String>,
    pub company_size: Option<CompanySize>,
    /// No owner has withdrawn `data_sharing` consent.
    pub sharing: bool,
    /// The twin's maturity score; `None` without a twin that counts an assessment.
    pub maturity: Option<Decimal>,
    /// The twin's scored dimensions.
    pub dimensions: BTreeMap<String, Decimal>,
}

/// Why an organisation has (or has no) benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// In a cohort large enough to describe.
    Ranked,
    /// In a cohort of fewer than [`MIN_COHORT_SIZE`].
    SmallCohort,
    /// No declared industry or company size.
    NoCohort,
    /// Its owners withdrew `data_sharing` consent.
    NotSharing,
    /// No twin to compare yet.
    NoTwin,
}

/// A cohort large enough to describe.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub industry: String,
    pub company_size: CompanySize,
    pub maturity: Statistics,
    /// Per dimension with enough scores.
    pub dimensions: BTreeMap<String, Statistics>,
}

/// One organisation's place.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub organization_id: Uuid,
    pub standing: Standing,
    /// Index into [`Refresh::cohorts`] when ranked.
    pub cohort: Option<usize>,
    pub maturity_percentile: Option<Decimal>,
    pub dimension_percentiles: BTreeMap<String, Decimal>,
}

/// Everything a refresh writes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Refresh {
    pub cohorts: Vec<Cohort>,
    pub positions: Vec<Position>,
}

/// Groups the participants into cohorts and places each one.
pub fn refresh(participants: &[Participant]) -> Refresh {
    let mut groups: BTreeMap<(String, &'static str), Vec<&Participant>> = BTreeMap::new();
    let mut refresh = Refresh::default();
    for participant in participants {
        let standing = match (&participant.industry, participant.company_size) {
            _ if !participant.sharing => Some(Standing::NotSharing),
            (None, _) | (_, None) => Some(Standing::NoCohort),
            _ if participant.maturity.is_none() => Some(Standing::NoTwin),
            _ => None,
        };
        match (standing, &participant.industry, participant.company_size) {
            (None, Some(industry), Some(size)) => groups
                .entry((industry.clone(), size.as_str()))
                .or_default()
                .push(participant),
            (standing, ..) => refresh.positions.push(unranked(
                participant,
                standing.unwrap_or(Standing::NoCohort),
            )),
        }
    }
    for ((industry, _), members) in groups {
        let maturity: Vec<Decimal> = members.iter().filter_map(|m| m.maturity).collect();
        let Some(statistics) = statistics(&maturity) else {
            refresh.positions.extend(
                members
                    .iter()
                    .map(|member| unranked(member, Standing::SmallCohort)),
            );
            continue;
        };
        let mut dimension_values: BTreeMap<&str, Vec<Decimal>> = BTreeMap::new();
        for member in &members {
            for (key, score) in &member.dimensions {
                dimension_values.entry(key).or_default().push(*score);
            }
        }
        let dimensions: BTreeMap<String, Statistics> = dimension_values
            .iter()
            .filter_map(|(key, values)| Some(((*key).to_owned(), self::statistics(values)?)))
            .collect();
        let cohort = refresh.cohorts.len();
        for member in &members {
            refresh.positions.push(Position {
                organization_id: member.organization_id,
                standing: Standing::Ranked,
                cohort: Some(cohort),
                maturity_percentile: member.maturity.map(|own| percentile_rank(&maturity, own)),
                dimension_percentiles: member
                    .dimensions
                    .iter()
                    .filter(|(key, _)| dimensions.contains_key(*key))
                    .map(|(key, own)| {
                        (
                            key.clone(),
                            percentile_rank(&dimension_values[key.as_str()], *own),
                        )
                    })
                    .collect(),
            });
        }
        refresh.cohorts.push(Cohort {
            industry,
            company_size: members[0].company_size.unwrap_or(CompanySize::Micro),
            maturity: statistics,
            dimensions,
        });
    }
    refresh
}

fn unranked(participant: &Participant, standing: Standing) -> Position {
    Position {
        organization_id: participant.organization_id,
        standing,
        cohort: None,
        maturity_percentile: None,
        dimension_percentiles: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(value: &str) -> Decimal {
        value.parse().expect("a decimal")
    }

    fn decs(values: &[&str]) -> Vec<Decimal> {
        values.iter().map(|value| dec(value)).collect()
    }

    #[test]
    fn statistics_interpolate_between_the_nearest_ranks() {
        // Sorted 1.5 2 2 3.5 4 5: mean 18 / 6 = 3.00; median at 2.5 → 2 + 1.5 × 0.5 = 2.75;
        // p25 at 1.25 → 2 + 0 × 0.25 = 2.00; p75 at 3.75 → 3.5 + 0.5 × 0.75 = 3.875 → 3.88.
        let stats = statistics(&decs(&["4", "2", "5", "1.5", "3.5", "2"])).expect("six values");
        assert_eq!(
            stats,
            Statistics {
                organization_count: 6,
                mean: dec("3.00"),
                median: dec("2.75"),
                p25: dec("2.00"),
                p75: dec("3.88"),
            }
        );
        assert_eq!(
            statistics(&decs(&["1", "2", "3", "4"])),
            None,
            "four is too few"
        );
        let five = statistics(&decs(&["1", "2", "3", "4", "5"])).expect("five");
        assert_eq!(
            (five.median, five.p25, five.p75),
            (dec("3"), dec("2"), dec("4"))
        );
    }

    #[test]
    fn a_percentile_counts_ties_as_half() {
        let values = decs(&["1.5", "2", "2", "3.5", "4", "5"]);
        // One below 2, two equal: (1 + 1) / 6 = 33.33 %.
        assert_eq!(percentile_rank(&values, dec("2")), dec("33.33"));
        assert_eq!(percentile_rank(&values, dec("5")), dec("91.67"));
        assert_eq!(percentile_rank(&values, dec("9")), dec("100.00"));
    }

    fn participant(n: u128, industry: &str, maturity: &str) -> Participant {
        Participant {
            organization_id: Uuid::from_u128(n),
            industry: Some(industry.to_owned()),
            company_size: Some(CompanySize::Small),
            sharing: true,
            maturity: Some(dec(maturity)),
            dimensions: BTreeMap::from([("strategy".to_owned(), dec(maturity))]),
        }
    }

    #[test]
    fn a_cohort_of_four_is_hidden_and_of_five_shown() {
        let mut participants: Vec<Participant> = (1..=4)
            .map(|n| participant(n, "retail", &format!("{n}")))
            .collect();
        let hidden = refresh(&participants);
        assert!(hidden.cohorts.is_empty());
        assert!(
            hidden
                .positions
                .iter()
                .all(|p| p.standing == Standing::SmallCohort
                    && p.maturity_percentile.is_none()
                    && p.dimension_percentiles.is_empty())
        );

        participants.push(participant(5, "retail", "5"));
        let shown = refresh(&participants);
        assert_eq!(shown.cohorts.len(), 1);
        assert_eq!(shown.cohorts[0].maturity.organization_count, 5);
        assert_eq!(shown.cohorts[0].dimensions["strategy"].mean, dec("3.00"));
        let first = shown
            .positions
            .iter()
            .find(|p| p.organization_id == Uuid::from_u128(1))
            .expect("a position");
        // 1 of 1–5: none below, itself equal: 0.5 / 5 = 10 %.
        assert_eq!(first.maturity_percentile, Some(dec("10.00")));
    }

    #[test]
    fn withdrawn_sharing_and_missing_facts_take_no_part() {
        let mut participants: Vec<Participant> =
            (1..=5).map(|n| participant(n, "retail", "3")).collect();
        participants[0].sharing = false;
        participants.push(Participant {
            industry: None,
            ..participant(6, "retail", "3")
        });
        participants.push(Participant {
            maturity: None,
            ..participant(7, "retail", "3")
        });
        let result = refresh(&participants);
        assert!(
            result.cohorts.is_empty(),
            "four sharing organisations remain"
        );
        let standing = |n: u128| {
            result
                .positions
                .iter()
                .find(|p| p.organization_id == Uuid::from_u128(n))
                .map(|p| p.standing)
        };
        assert_eq!(standing(1), Some(Standing::NotSharing));
        assert_eq!(standing(2), Some(Standing::SmallCohort));
        assert_eq!(standing(6), Some(Standing::NoCohort));
        assert_eq!(standing(7), Some(Standing::NoTwin));
    }
}
