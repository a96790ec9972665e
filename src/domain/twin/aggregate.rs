//! Rolling an organisation's scored assessments up into its twin, every number with the
//! assessment types, categories and answers that moved it (as counts and sums: an
//! organisation of thousands keeps a twin of a few kilobytes).
//!
//! The rules (the model's numbers are in `model.v1.0.json`):
//! - **What counts**: of an organisation's completed, scored assessments, the latest per
//!   respondent × assessment type (latest `completed_at`, then highest id); older ones are
//!   history, counted as superseded.
//! - **Weight** of a counted assessment: its type's weight, times the model's
//!   `low_confidence_weight` when its score is low-confidence.
//! - **Maturity score**: the weighted mean of the counted overall scores; the level is the
//!   maturity scale's level for it. No counted assessment: 0.00, level 0.
//! - **Dimension score**: the mean of the category scores mapped onto the dimension, each
//!   weighted by its assessment's weight × the category's weight in its questionnaire. A
//!   dimension's `weight` is its share of all that weight (used to rank gaps).
//! - **AI readiness** (0–100): a signal's points are the mean of its question's answers (0–5)
//!   over the counted assessments that answered it; a group's score is the weighted mean of its
//!   answered signals; readiness is 20 × the weighted mean of the answered groups. A signal's
//!   `contribution` is what it adds to that figure, so the contributions sum to it (before
//!   rounding). Nothing answered: 0.00.
//! - **Inventories**: per item, the mean points and a tally of the answers given. Free-text
//!   answers feed nothing: the twin model's signals and items read scored questions only.
//!
//! Every sum is exact (decimals with at most four places); each reported number is divided and
//! rounded once, half away from zero, so the result does not depend on the order assessments
//! arrive in.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::enums::AssessmentType;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::model::{InventoryItem, SignalGroup, TwinModel, source_question};
use crate::domain::scoring::{
    MaturityScale, Scale, answer_points, is_low_confidence, question_model,
};

/// One completed, scored assessment of the organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredAssessment {
    pub id: Uuid,
    pub respondent: Uuid,
    pub assessment_type: AssessmentType,
    pub version: String,
    pub completed_at: DateTime<Utc>,
    pub overall: Decimal,
    pub confidence: Decimal,
    /// Category key → score 0–5.
    pub category_scores: BTreeMap<String, Decimal>,
    /// Question id → answer.
    pub responses: Value,
}

/// The computed twin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwinState {
    pub model_version: String,
    #[serde(with = "rust_decimal::serde::float")]
    pub maturity_score: Decimal,
    pub maturity_level: i16,
    #[serde(with = "rust_decimal::serde::float")]
    pub ai_readiness_score: Decimal,
    /// How many assessments count.
    pub assessment_count: i32,
    pub dimensions: Vec<DimensionScore>,
    pub ai_readiness: Vec<GroupScore>,
    pub technology_inventory: Vec<InventoryEntry>,
    pub skills_inventory: Vec<InventoryEntry>,
    /// The counted assessments per type, by type.
    pub assessments: Vec<CountedType>,
    /// How many older assessments a later one of the same respondent and type replaced.
    pub superseded: u32,
}

/// The counted assessments of one type and the weight they carry. Summaries, not ids: the
/// twin of an organisation of thousands stays a few kilobytes (the assessments themselves are
/// one `assessments` query away).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountedType {
    pub assessment_type: AssessmentType,
    pub counted: u32,
    /// How many of them are low-confidence, each weighing the model's `low_confidence_weight`.
    pub low_confidence: u32,
    /// Their weight together.
    #[serde(with = "rust_decimal::serde::float")]
    pub weight: Decimal,
    /// Their overall scores' plain mean, two decimals.
    #[serde(with = "rust_decimal::serde::float")]
    pub mean_overall: Decimal,
}

/// One dimension's score and what it is made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionScore {
    pub key: String,
    pub name: String,
    /// 0–5, two decimals; `None` when no counted assessment covers the dimension.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub score: Option<Decimal>,
    /// The dimension's share of all category weight, 0–1, four decimals.
    #[serde(with = "rust_decimal::serde::float")]
    pub weight: Decimal,
    pub contributions: Vec<DimensionContribution>,
}

/// One questionnaire category counted towards a dimension, over the counted assessments of
/// its type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionContribution {
    pub assessment_type: AssessmentType,
    pub category: String,
    /// How many counted assessments scored it.
    pub assessments: u32,
    /// Their weighted mean score, two decimals.
    #[serde(with = "rust_decimal::serde::float")]
    pub score: Decimal,
    /// Their weight together (assessment weight × category weight).
    #[serde(with = "rust_decimal::serde::float")]
    pub weight: Decimal,
}

/// One AI readiness signal group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScore {
    pub key: String,
    pub name: String,
    pub weight: u32,
    /// 0–100, two decimals; `None` when none of its signals is answered.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub score: Option<Decimal>,
    pub signals: Vec<SignalScore>,
}

/// One AI readiness signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalScore {
    pub key: String,
    pub name: String,
    pub weight: u32,
    /// Mean points 0–5, two decimals; `None` when unanswered.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub points: Option<Decimal>,
    /// What the signal adds to the AI readiness score, two decimals.
    #[serde(with = "rust_decimal::serde::float")]
    pub contribution: Decimal,
    /// How many counted assessments answered it.
    pub answers: u32,
}

/// One inventory entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryEntry {
    pub key: String,
    pub name: String,
    /// Mean points 0–5, two decimals; `None` when nobody answered.
    #[serde(with = "rust_decimal::serde::float_option")]
    pub points: Option<Decimal>,
    /// Answer (the option's label, `yes`/`no`, or the number) → how many gave it.
    pub answers: BTreeMap<String, u32>,
}

/// Computes the twin of an organisation from its completed, scored assessments, in any order.
pub fn aggregate(
    model: &TwinModel,
    scale: &MaturityScale,
    assessments: &[ScoredAssessment],
) -> TwinState {
    let (counted, superseded) = latest_per_respondent_and_type(assessments);
    let weights: Vec<Decimal> = counted
        .iter()
        .map(|assessment| weight(model, assessment))
        .collect();

    let maturity_score = mean(
        counted
            .iter()
            .zip(&weights)
            .map(|(assessment, weight)| (assessment.overall, *weight)),
    )
    .map_or(Decimal::new(0, 2), two_places);
    let (ai_readiness, ai_readiness_score) = ai_readiness(model, &counted);

    TwinState {
        model_version: model.version.clone(),
        maturity_score,
        maturity_level: scale.level_for(maturity_score),
        ai_readiness_score: ai_readiness_score.unwrap_or(Decimal::new(0, 2)),
        assessment_count: i32::try_from(counted.len()).unwrap_or(i32::MAX),
        dimensions: dimensions(model, &counted, &weights),
        ai_readiness,
        technology_inventory: inventory(&model.technology_inventory, &counted),
        skills_inventory: inventory(&model.skills_inventory, &counted),
        assessments: counted_types(&counted, &weights),
        superseded: u32::try_from(superseded).unwrap_or(u32::MAX),
    }
}

fn counted_types(counted: &[&ScoredAssessment], weights: &[Decimal]) -> Vec<CountedType> {
    let mut types: BTreeMap<&str, CountedType> = BTreeMap::new();
    let mut overall_sums: BTreeMap<&str, Decimal> = BTreeMap::new();
    for (assessment, weight) in counted.iter().zip(weights) {
        let key = assessment.assessment_type.as_str();
        let entry = types.entry(key).or_insert(CountedType {
            assessment_type: assessment.assessment_type,
            counted: 0,
            low_confidence: 0,
            weight: Decimal::ZERO,
            mean_overall: Decimal::ZERO,
        });
        entry.counted += 1;
        entry.low_confidence += u32::from(is_low_confidence(assessment.confidence));
        entry.weight += weight;
        *overall_sums.entry(key).or_default() += assessment.overall;
    }
    types
        .into_iter()
        .map(|(key, mut summary)| {
            summary.mean_overall = two_places(overall_sums[key] / Decimal::from(summary.counted));
            summary
        })
        .collect()
}

/// The AI readiness of one assessment on its own: what it contributes (seed 000). `None` when
/// it answers no signal.
pub fn assessment_ai_readiness(
    model: &TwinModel,
    assessment: &ScoredAssessment,
) -> Option<Decimal> {
    ai_readiness(model, &[assessment]).1
}

/// The latest assessment per respondent × type, by id; and how many others there are.
fn latest_per_respondent_and_type(
    assessments: &[ScoredAssessment],
) -> (Vec<&ScoredAssessment>, usize) {
    let mut latest: HashMap<(Uuid, AssessmentType), &ScoredAssessment> = HashMap::new();
    for assessment in assessments {
        let key = (assessment.respondent, assessment.assessment_type);
        let newer = latest.get(&key).is_none_or(|kept| {
            (assessment.completed_at, assessment.id) > (kept.completed_at, kept.id)
        });
        if newer {
            latest.insert(key, assessment);
        }
    }
    let mut counted: Vec<&ScoredAssessment> = latest.into_values().collect();
    counted.sort_by_key(|assessment| assessment.id);
    let superseded = assessments.len() - counted.len();
    (counted, superseded)
}

fn weight(model: &TwinModel, assessment: &ScoredAssessment) -> Decimal {
    let weight = Decimal::from(model.assessment_weight(assessment.assessment_type));
    if is_low_confidence(assessment.confidence) {
        weight * model.low_confidence_weight
    } else {
        weight
    }
}

fn dimensions(
    model: &TwinModel,
    counted: &[&ScoredAssessment],
    weights: &[Decimal],
) -> Vec<DimensionScore> {
    /// Per dimension, per (type, category): its type, how many, Σ weight × score, Σ weight.
    type Sums = (AssessmentType, u32, Decimal, Decimal);
    let mut sums: HashMap<&str, BTreeMap<(&str, &str), Sums>> = HashMap::new();
    for (assessment, assessment_weight) in counted.iter().zip(weights) {
        let questionnaire = question_model(assessment.assessment_type, &assessment.version);
        for (category, score) in &assessment.category_scores {
            let Some(dimension) = model.dimension_of(assessment.assessment_type, category) else {
                continue;
            };
            let category_weight = questionnaire
                .and_then(|questionnaire| questionnaire.category(category))
                .map_or(1, |category| category.weight);
            let weight = assessment_weight * Decimal::from(category_weight);
            let entry = sums
                .entry(dimension)
                .or_default()
                .entry((assessment.assessment_type.as_str(), category.as_str()))
                .or_insert((assessment.assessment_type, 0, Decimal::ZERO, Decimal::ZERO));
            entry.1 += 1;
            entry.2 += weight * score;
            entry.3 += weight;
        }
    }
    let total_weight: Decimal = sums
        .values()
        .flat_map(|groups| groups.values())
        .map(|g| g.3)
        .sum();
    model
        .dimensions
        .iter()
        .map(|dimension| {
            let groups = sums.remove(dimension.key.as_str()).unwrap_or_default();
            let weighted: Decimal = groups.values().map(|g| g.2).sum();
            let weight: Decimal = groups.values().map(|g| g.3).sum();
            DimensionScore {
                key: dimension.key.clone(),
                name: dimension.name.clone(),
                score: (!weight.is_zero()).then(|| two_places(weighted / weight)),
                weight: if total_weight.is_zero() {
                    Decimal::ZERO
                } else {
                    (weight / total_weight)
                        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
                },
                contributions: groups
                    .into_iter()
                    .map(
                        |((_, category), (assessment_type, count, weighted, weight))| {
                            DimensionContribution {
                                assessment_type,
                                category: category.to_owned(),
                                assessments: count,
                                score: two_places(weighted / weight),
                                weight,
                            }
                        },
                    )
                    .collect(),
            }
        })
        .collect()
}

/// The signal groups, and the AI readiness score (`None` when no signal is answered).
fn ai_readiness(
    model: &TwinModel,
    counted: &[&ScoredAssessment],
) -> (Vec<GroupScore>, Option<Decimal>) {
    // Per group, per signal: the exact mean points and the assessments answering.
    let signal_points: Vec<Vec<(Option<Decimal>, u32)>> = model
        .ai_readiness
        .iter()
        .map(|group| {
            group
                .signals
                .iter()
                .map(|signal| {
                    let answers = answers(signal.assessment_type, &signal.question, counted);
                    let points = mean(answers.iter().map(|points| (*points, Decimal::ONE)));
                    (points, u32::try_from(answers.len()).unwrap_or(u32::MAX))
                })
                .collect()
        })
        .collect();
    let answered = |group: &SignalGroup, points: &[(Option<Decimal>, u32)]| {
        group
            .signals
            .iter()
            .zip(points)
            .filter_map(|(signal, (points, _))| Some(((*points)?, Decimal::from(signal.weight))))
            .collect::<Vec<_>>()
    };
    let group_scores: Vec<Option<Decimal>> = model
        .ai_readiness
        .iter()
        .zip(&signal_points)
        .map(|(group, points)| mean(answered(group, points).into_iter()))
        .collect();
    // Only answered groups share the score, in proportion to their weights.
    let answered_group_weight: Decimal = model
        .ai_readiness
        .iter()
        .zip(&group_scores)
        .filter(|(_, score)| score.is_some())
        .map(|(group, _)| Decimal::from(group.weight))
        .sum();
    let score = mean(
        model
            .ai_readiness
            .iter()
            .zip(&group_scores)
            .filter_map(|(group, score)| Some(((*score)?, Decimal::from(group.weight)))),
    )
    .map(|score| two_places(score * TO_PERCENT));

    let groups = model
        .ai_readiness
        .iter()
        .zip(signal_points)
        .zip(&group_scores)
        .map(|((group, points), group_score)| {
            let answered_signal_weight: Decimal = answered(group, &points)
                .iter()
                .map(|(_, weight)| *weight)
                .sum();
            GroupScore {
                key: group.key.clone(),
                name: group.name.clone(),
                weight: group.weight,
                score: group_score.map(|score| two_places(score * TO_PERCENT)),
                signals: group
                    .signals
                    .iter()
                    .zip(points)
                    .map(|(signal, (points, answers))| SignalScore {
                        key: signal.key.clone(),
                        name: signal.name.clone(),
                        weight: signal.weight,
                        points: points.map(two_places),
                        contribution: points.map_or(Decimal::new(0, 2), |points| {
                            two_places(
                                points
                                    * TO_PERCENT
                                    * Decimal::from(group.weight)
                                    * Decimal::from(signal.weight)
                                    / (answered_group_weight * answered_signal_weight),
                            )
                        }),
                        answers,
                    })
                    .collect(),
            }
        })
        .collect();
    (groups, score)
}

/// 0–5 points to 0–100.
const TO_PERCENT: Decimal = Decimal::from_parts(20, 0, 0, false, 0);

/// The points (0–5) of every counted answer to a question.
fn answers(
    assessment_type: AssessmentType,
    question: &str,
    counted: &[&ScoredAssessment],
) -> Vec<Decimal> {
    let Some(source) = source_question(assessment_type, question) else {
        return Vec::new();
    };
    counted
        .iter()
        .filter(|assessment| assessment.assessment_type == assessment_type)
        .filter_map(|assessment| {
            let answer = assessment.responses.get(question)?;
            answer_points(source, answer)
        })
        .collect()
}

fn inventory(items: &[InventoryItem], counted: &[&ScoredAssessment]) -> Vec<InventoryEntry> {
    items
        .iter()
        .map(|item| {
            let answered = answers(item.assessment_type, &item.question, counted);
            let mut tally = BTreeMap::new();
            if let Some(question) = source_question(item.assessment_type, &item.question) {
                for assessment in counted {
                    if assessment.assessment_type != item.assessment_type {
                        continue;
                    }
                    if let Some(label) = assessment
                        .responses
                        .get(&item.question)
                        .and_then(|answer| answer_label(&question.scale, answer))
                    {
                        *tally.entry(label).or_insert(0) += 1;
                    }
                }
            }
            InventoryEntry {
                key: item.key.clone(),
                name: item.name.clone(),
                points: mean(answered.iter().map(|points| (*points, Decimal::ONE))).map(two_places),
                answers: tally,
            }
        })
        .collect()
}

/// How an answer reads to people: the option's label, `yes`/`no`, or the number. Free text
/// has none: it is no inventory answer (and may name people), so it is never tallied.
fn answer_label(scale: &Scale, answer: &Value) -> Option<String> {
    match (scale, answer) {
        (Scale::Choice { options }, Value::String(key)) => options
            .iter()
            .find(|option| &option.key == key)
            .map(|option| option.label.clone()),
        (Scale::Boolean, Value::Bool(yes)) => Some(if *yes { "yes" } else { "no" }.to_owned()),
        (Scale::Likert { .. }, Value::Number(number)) => Some(number.to_string()),
        (Scale::Text { .. }, _) => None,
        _ => None,
    }
}

/// The weighted mean; `None` when there is nothing to average (or all weights are 0).
fn mean(items: impl Iterator<Item = (Decimal, Decimal)>) -> Option<Decimal> {
    let (sum, weight) = items.fold((Decimal::ZERO, Decimal::ZERO), |(sum, total), (x, w)| {
        (sum + x * w, total + w)
    });
    (!weight.is_zero()).then(|| sum / weight)
}

fn two_places(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_text_answer_has_no_label_and_no_points() {
        let text = Scale::Text { max_length: 2000 };
        assert_eq!(answer_label(&text, &json!("Ask Jo")), None);
        assert_eq!(answer_label(&text, &json!(3)), None);
        assert_eq!(
            answer_label(&Scale::Boolean, &json!(true)),
            Some("yes".to_owned())
        );
        let comments = question_model(AssessmentType::TechStack, "1.0")
            .and_then(|model| model.question("comments"))
            .expect("a comments question");
        assert_eq!(answer_points(comments, &json!("Ask Jo")), None);
    }
}
