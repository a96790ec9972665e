//! Scoring: assessment responses → category scores → overall score, bracket, maturity level,
//! advice from the maturity rubric, confidence and a one-sentence insight.
//!
//! Arithmetic is exact (fractions of integers) until the end, where each reported number is
//! rounded once to two decimals: a mean of thirds never drifts across a rounding midpoint.

use std::collections::{BTreeMap, HashMap};

use entity::enums::ScoreBracket;
use rust_decimal::Decimal;
use serde_json::Value;

use super::model::{Question, QuestionModel, RubricCategory, Scale};
use super::{MaturityScale, bracket_for};

/// How many distinct rubric categories the advice covers, weakest first.
pub const ADVICE_CATEGORIES: usize = 2;

/// Why a set of responses does not fit a question model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The responses are not a JSON object.
    #[error("responses must be an object of question ids to answers")]
    NotAnObject,
    /// An answer names a question the model does not have.
    #[error(
        "`{question}` is not a question of this assessment; its questions are {}",
        quoted(.known)
    )]
    UnknownQuestion {
        /// The offending question id.
        question: String,
        /// The model's question ids, in the order they are asked.
        known: Vec<String>,
    },
    /// An answer has the wrong JSON type for its question's scale.
    #[error("the answer to `{question}` must be {expected}")]
    WrongType {
        /// The offending question id.
        question: String,
        /// What the scale accepts.
        expected: String,
    },
    /// An answer has the right type but lies outside its question's scale.
    #[error("the answer to `{question}` must be {expected}")]
    OutOfScale {
        /// The offending question id.
        question: String,
        /// What the scale accepts.
        expected: String,
    },
    /// A submission leaves a category without a single answer.
    #[error("answer at least one question of every category before submitting; unanswered: {}", .categories.join(", "))]
    Incomplete {
        /// The names of the unanswered categories, in model order.
        categories: Vec<String>,
    },
}

/// `a`, `b`, `c` with each in backticks.
fn quoted(ids: &[String]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
    quoted.join(", ")
}

impl ResponseError {
    /// The question id the error is about; `None` when the responses as a whole are wrong.
    pub fn question(&self) -> Option<&str> {
        match self {
            Self::NotAnObject | Self::Incomplete { .. } => None,
            Self::UnknownQuestion { question, .. }
            | Self::WrongType { question, .. }
            | Self::OutOfScale { question, .. } => Some(question),
        }
    }
}

/// One row of the maturity rubric, as stored in `maturity_criteria`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubricRow {
    /// The maturity level (0–9) the advice is for.
    pub level: i16,
    /// The rubric category (`strategy`, `operations`, `technology`, `data`, `people`).
    pub category: String,
    /// What to do to reach the next level.
    pub recommendation: String,
    /// The first concrete step.
    pub next_step: String,
}

/// The maturity rubric: advice per maturity level and rubric category.
#[derive(Debug, Clone, Default)]
pub struct Rubric {
    rows: HashMap<(i16, String), RubricRow>,
}

impl Rubric {
    /// Builds the rubric from its rows; of two rows for the same level and category, the last wins.
    pub fn new(rows: impl IntoIterator<Item = RubricRow>) -> Self {
        Self {
            rows: rows
                .into_iter()
                .map(|row| ((row.level, row.category.clone()), row))
                .collect(),
        }
    }

    /// The advice for a level and rubric category, if the rubric has it.
    pub fn advice(&self, level: i16, category: RubricCategory) -> Option<&RubricRow> {
        self.rows.get(&(level, category.as_str().to_owned()))
    }
}

/// Everything a stored `assessment_scores` row holds that scoring decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreCard {
    /// Category key → score 0–5, two decimals; only categories with at least one answer.
    pub category_scores: BTreeMap<String, Decimal>,
    /// Overall score 0–5, two decimals.
    pub overall: Decimal,
    /// The bracket of `overall`.
    pub bracket: ScoreBracket,
    /// The maturity level (0–9) `overall` reaches.
    pub maturity_level: i16,
    /// Rubric recommendations at the reached level, weakest area first.
    pub recommendations: Vec<String>,
    /// Rubric next steps, in the same order as the recommendations.
    pub next_steps: Vec<String>,
    /// Answered question weight over total question weight, 0–1, two decimals (rounded down).
    pub confidence: Decimal,
    /// One sentence summarising the result.
    pub insights: String,
    /// Strengths, weaknesses, opportunities and threats read off the category scores.
    pub swot: Swot,
}

/// Confidence below this marks a score as low-confidence: shown as such, weighted down in the
/// digital twin.
pub const LOW_CONFIDENCE_BELOW: Decimal = Decimal::from_parts(75, 0, 0, false, 2);

/// Whether a score's confidence is too low to be taken at face value.
pub fn is_low_confidence(confidence: Decimal) -> bool {
    confidence < LOW_CONFIDENCE_BELOW
}

/// A category score at or above this is a strength.
pub const STRENGTH_FROM: Decimal = Decimal::from_parts(350, 0, 0, false, 2);
/// A category score below this is a weakness.
pub const WEAKNESS_BELOW: Decimal = Decimal::from_parts(250, 0, 0, false, 2);
/// A category score below this is a threat: a gap that holds the whole organisation back.
pub const THREAT_BELOW: Decimal = Decimal::from_parts(150, 0, 0, false, 2);

/// A score's SWOT: every answered category lands in strengths (≥ 3.50), opportunities
/// (2.50–3.49: one push from a strength) or weaknesses (< 2.50); weaknesses below 1.50 are also
/// threats. Strengths strongest first, the others weakest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Swot {
    pub strengths: Vec<SwotEntry>,
    pub weaknesses: Vec<SwotEntry>,
    pub opportunities: Vec<SwotEntry>,
    pub threats: Vec<SwotEntry>,
}

/// One category in a SWOT, with the rubric's advice at the reached level where it has some.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SwotEntry {
    pub category: String,
    pub name: String,
    pub score: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
}

/// Refuses a submission that leaves a category unanswered: a score from a few answers claims a
/// maturity its questionnaire never asked about. A text answer, never scored, answers nothing.
pub fn require_every_category(
    model: &QuestionModel,
    responses: &Value,
) -> Result<(), ResponseError> {
    let answers = read_answers(model, responses)?;
    let unanswered: Vec<String> = model
        .categories
        .iter()
        .filter(|category| {
            !model
                .questions
                .iter()
                .any(|q| q.category == category.key && answers.contains_key(q.id.as_str()))
        })
        .map(|category| category.name.clone())
        .collect();
    if unanswered.is_empty() {
        Ok(())
    } else {
        Err(ResponseError::Incomplete {
            categories: unanswered,
        })
    }
}

/// The points (0–5, exact to four decimals) an answer is worth; `None` for an unanswered or
/// invalid answer, and for a text answer, which is worth no points.
pub fn answer_points(question: &Question, answer: &Value) -> Option<Decimal> {
    if answer.is_null() {
        return None;
    }
    let points = points(question, answer).ok()??;
    Some(points.round_half_up_to(4))
}

/// Checks that every answer names a question of the model and fits its scale; `null` answers
/// count as not answered, so a client can clear an answer while the assessment is in progress.
pub fn validate_responses(model: &QuestionModel, responses: &Value) -> Result<(), ResponseError> {
    read_answers(model, responses).map(|_| ())
}

/// Scores responses against their question model, the maturity scale and the rubric.
///
/// - A category's score is the weighted mean of its answered questions' points (0–5). A text
///   answer is validated but worth nothing: it adds no points, no confidence and no count to
///   the insight, which counts scored questions only.
/// - The overall score is the category-weighted mean of the exact category scores, over the
///   categories with at least one answer, rounded half away from zero to two decimals; no
///   answers at all score 0.00.
/// - Confidence is answered question weight over total question weight, rounded down to two
///   decimals, so 1.00 means every question was answered.
/// - Advice: answered categories ranked by their two-decimal score, lowest first (ties: heavier
///   category first, then model order); the first [`ADVICE_CATEGORIES`] distinct rubric categories
///   in that ranking each give the rubric's recommendation and next step at the reached level.
///
/// Invalid responses are refused with the same error [`validate_responses`] gives: a stored
/// answer that no longer fits its model must not be scored as if it were missing. The model is
/// expected to pass [`QuestionModel::check`], as every model of the registry does.
pub fn score(
    model: &QuestionModel,
    responses: &Value,
    scale: &MaturityScale,
    rubric: &Rubric,
) -> Result<ScoreCard, ResponseError> {
    let answers = read_answers(model, responses)?;

    let categories: Vec<CategoryResult<'_>> = model
        .categories
        .iter()
        .enumerate()
        .filter_map(|(position, category)| {
            let exact = weighted_mean(
                model
                    .questions
                    .iter()
                    .filter(|question| question.category == category.key)
                    .filter_map(|question| {
                        answers
                            .get(question.id.as_str())
                            .map(|points| (*points, question.weight))
                    }),
            )?;
            Some(CategoryResult {
                key: &category.key,
                name: &category.name,
                weight: category.weight,
                rubric_category: category.rubric_category,
                position,
                exact,
                rounded: exact.round_half_up(),
            })
        })
        .collect();

    let overall = weighted_mean(categories.iter().map(|c| (c.exact, c.weight)))
        .map_or(Decimal::new(0, 2), Fraction::round_half_up);
    let maturity_level = scale.level_for(overall);

    let scored = || model.questions.iter().filter(|q| q.is_scored());
    let total_weight: u32 = scored().map(|q| q.weight).sum();
    let answered_weight: u32 = scored()
        .filter(|q| answers.contains_key(q.id.as_str()))
        .map(|q| q.weight)
        .sum();
    let confidence = if total_weight == 0 {
        Decimal::new(0, 2)
    } else {
        Fraction::new(answered_weight.into(), total_weight.into()).round_down()
    };

    // Weakest first; ties go to the category that weighs more, then to model order.
    let mut ranked: Vec<&CategoryResult<'_>> = categories.iter().collect();
    ranked.sort_by(|a, b| {
        a.rounded
            .cmp(&b.rounded)
            .then(b.weight.cmp(&a.weight))
            .then(a.position.cmp(&b.position))
    });

    let mut advised: Vec<RubricCategory> = Vec::new();
    for category in &ranked {
        if advised.len() == ADVICE_CATEGORIES {
            break;
        }
        if !advised.contains(&category.rubric_category) {
            advised.push(category.rubric_category);
        }
    }
    let advice: Vec<&RubricRow> = advised
        .iter()
        .filter_map(|category| rubric.advice(maturity_level, *category))
        .collect();

    let insights = insight(
        overall,
        maturity_level,
        &ranked,
        answers.len(),
        scored().count(),
    );
    let swot = swot(&ranked, maturity_level, rubric);

    Ok(ScoreCard {
        category_scores: categories
            .iter()
            .map(|c| (c.key.to_owned(), c.rounded))
            .collect(),
        overall,
        bracket: bracket_for(overall),
        maturity_level,
        recommendations: advice
            .iter()
            .map(|row| row.recommendation.clone())
            .collect(),
        next_steps: advice.iter().map(|row| row.next_step.clone()).collect(),
        confidence,
        insights,
        swot,
    })
}

fn swot(ranked: &[&CategoryResult<'_>], level: i16, rubric: &Rubric) -> Swot {
    let entry = |category: &CategoryResult<'_>| SwotEntry {
        category: category.key.to_owned(),
        name: category.name.to_owned(),
        score: category.rounded,
        recommendation: rubric
            .advice(level, category.rubric_category)
            .map(|row| row.recommendation.clone()),
    };
    let mut swot = Swot::default();
    for category in ranked {
        let score = category.rounded;
        if score >= STRENGTH_FROM {
            swot.strengths.insert(0, entry(category));
        } else if score >= WEAKNESS_BELOW {
            swot.opportunities.push(entry(category));
        } else {
            swot.weaknesses.push(entry(category));
            if score < THREAT_BELOW {
                swot.threats.push(entry(category));
            }
        }
    }
    swot
}

/// A scored category, kept exact for the overall score and rounded for ranking and display.
struct CategoryResult<'m> {
    key: &'m str,
    name: &'m str,
    weight: u32,
    rubric_category: RubricCategory,
    position: usize,
    exact: Fraction,
    rounded: Decimal,
}

/// One sentence: the overall result, the strongest and weakest categories, and coverage.
fn insight(
    overall: Decimal,
    level: i16,
    ranked: &[&CategoryResult<'_>],
    answered: usize,
    questions: usize,
) -> String {
    let (Some(weakest), Some(strongest)) = (ranked.first(), strongest(ranked)) else {
        return format!("No questions answered yet (0 of {questions}), so the score is 0.00.");
    };
    if ranked.len() == 1 {
        return format!(
            "Overall {overall} out of 5 (maturity level {level}), from {} alone; \
             {answered} of {questions} questions answered.",
            weakest.name
        );
    }
    if strongest.rounded == weakest.rounded {
        return format!(
            "Overall {overall} out of 5 (maturity level {level}), even across all {} \
             categories ({}); {answered} of {questions} questions answered.",
            ranked.len(),
            weakest.rounded
        );
    }
    format!(
        "Overall {overall} out of 5 (maturity level {level}): strongest in {} ({}), \
         weakest in {} ({}); {answered} of {questions} questions answered.",
        strongest.name, strongest.rounded, weakest.name, weakest.rounded
    )
}

/// The highest-scoring category; ties go to the heavier category, then to model order.
fn strongest<'a>(ranked: &[&'a CategoryResult<'a>]) -> Option<&'a CategoryResult<'a>> {
    ranked.iter().copied().min_by(|a, b| {
        b.rounded
            .cmp(&a.rounded)
            .then(b.weight.cmp(&a.weight))
            .then(a.position.cmp(&b.position))
    })
}

/// The points (0–5) of every answered scored question, by question id; text answers are
/// checked, then left out.
fn read_answers<'m>(
    model: &'m QuestionModel,
    responses: &Value,
) -> Result<HashMap<&'m str, Fraction>, ResponseError> {
    let Value::Object(entries) = responses else {
        return Err(ResponseError::NotAnObject);
    };
    let mut answers = HashMap::with_capacity(entries.len());
    for (id, answer) in entries {
        let question = model
            .question(id)
            .ok_or_else(|| ResponseError::UnknownQuestion {
                question: id.clone(),
                known: model.question_ids(),
            })?;
        if answer.is_null() {
            continue;
        }
        if let Some(points) = points(question, answer)? {
            answers.insert(question.id.as_str(), points);
        }
    }
    Ok(answers)
}

/// The points (0–5) an answer is worth on its question's scale; `None` for a valid text answer,
/// which is worth none.
fn points(question: &Question, answer: &Value) -> Result<Option<Fraction>, ResponseError> {
    let wrong_type = |expected: String| ResponseError::WrongType {
        question: question.id.clone(),
        expected,
    };
    let out_of_scale = |expected: String| ResponseError::OutOfScale {
        question: question.id.clone(),
        expected,
    };
    match &question.scale {
        Scale::Likert { min, max, .. } => {
            let expected = || format!("a whole number from {min} to {max}");
            let Some(value) = answer.as_i64() else {
                // A whole number too large for i64 is still a number, just off the scale.
                return Err(if answer.is_u64() {
                    out_of_scale(expected())
                } else {
                    wrong_type(expected())
                });
            };
            if !(*min..=*max).contains(&value) {
                return Err(out_of_scale(expected()));
            }
            Ok(Some(Fraction::new(
                i128::from(value - min) * 5,
                i128::from(max - min),
            )))
        }
        Scale::Choice { options } => {
            let expected = || {
                let keys: Vec<String> = options.iter().map(|o| format!("\"{}\"", o.key)).collect();
                format!("one of {}", keys.join(", "))
            };
            let key = answer.as_str().ok_or_else(|| wrong_type(expected()))?;
            let option = options
                .iter()
                .find(|option| option.key == key)
                .ok_or_else(|| out_of_scale(expected()))?;
            Ok(Some(Fraction::from_decimal(option.points)))
        }
        Scale::Boolean => {
            let yes = answer
                .as_bool()
                .ok_or_else(|| wrong_type("true or false".to_owned()))?;
            Ok(Some(Fraction::new(if yes { 5 } else { 0 }, 1)))
        }
        Scale::Text { max_length } => {
            let expected = || {
                format!(
                    "a text of at most {max_length} characters, not blank, with no control \
                     characters but newline and tab"
                )
            };
            let text = answer.as_str().ok_or_else(|| wrong_type(expected()))?;
            let allowed = |c: char| !c.is_control() || c == '\n' || c == '\t';
            let fits = text.chars().count() <= *max_length as usize
                && !text.trim().is_empty()
                && text.chars().all(allowed);
            if !fits {
                return Err(out_of_scale(expected()));
            }
            Ok(None)
        }
    }
}

/// The weighted mean of the values; `None` when there are none (or all weights are 0).
fn weighted_mean(items: impl Iterator<Item = (Fraction, u32)>) -> Option<Fraction> {
    let (sum, weight) = items.fold((Fraction::new(0, 1), 0_i128), |(sum, weight), (x, w)| {
        (sum.plus(x.times(w.into())), weight + i128::from(w))
    });
    (weight > 0).then(|| sum.over(weight))
}

/// An exact non-negative fraction in lowest terms. Models keep denominators tiny (likert spans,
/// hundredths, sums of small weights), so `i128` never comes near overflowing.
#[derive(Debug, Clone, Copy)]
struct Fraction {
    numerator: i128,
    denominator: i128,
}

impl Fraction {
    fn new(numerator: i128, denominator: i128) -> Self {
        let divisor = gcd(numerator, denominator).max(1);
        Self {
            numerator: numerator / divisor,
            denominator: denominator / divisor,
        }
    }

    fn from_decimal(value: Decimal) -> Self {
        Self::new(value.mantissa(), 10_i128.pow(value.scale()))
    }

    fn plus(self, other: Self) -> Self {
        Self::new(
            self.numerator * other.denominator + other.numerator * self.denominator,
            self.denominator * other.denominator,
        )
    }

    fn times(self, factor: i128) -> Self {
        Self::new(self.numerator * factor, self.denominator)
    }

    fn over(self, divisor: i128) -> Self {
        Self::new(self.numerator, self.denominator * divisor)
    }

    /// Hundredths, rounded half away from zero (the fraction is never negative).
    fn round_half_up(self) -> Decimal {
        self.round_half_up_to(2)
    }

    /// `places` decimals, rounded half away from zero.
    fn round_half_up_to(self, places: u32) -> Decimal {
        let unit = 10_i128.pow(places);
        let scaled = (self.numerator * unit * 2 + self.denominator) / (2 * self.denominator);
        Decimal::from_i128_with_scale(scaled, places)
    }

    /// Hundredths, rounded down.
    fn round_down(self) -> Decimal {
        Self::hundredths(self.numerator * 100 / self.denominator)
    }

    fn hundredths(hundredths: i128) -> Decimal {
        Decimal::from_i128_with_scale(hundredths, 2)
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scoring::testing::{dec, reference_rubric, reference_scale};
    use serde_json::json;

    /// Operations (weight 2), data and more_data (weight 1 each, both rubric category `data`),
    /// with every scale type; total question weight 5.
    fn model() -> QuestionModel {
        serde_json::from_value(json!({
            "assessment_type": "bpm",
            "version": "test",
            "title": "Test",
            "categories": [
                { "key": "ops", "name": "Operations", "weight": 2,
                  "rubric_category": "operations" },
                { "key": "data", "name": "Data", "weight": 1, "rubric_category": "data" },
                { "key": "more_data", "name": "More data", "weight": 1, "rubric_category": "data" }
            ],
            "questions": [
                { "id": "l", "category": "ops", "text": "L", "weight": 2,
                  "scale": { "type": "likert", "min": 1, "max": 4,
                             "min_label": "No", "max_label": "Yes" } },
                { "id": "b", "category": "ops", "text": "B", "weight": 1,
                  "scale": { "type": "boolean" } },
                { "id": "c", "category": "data", "text": "C", "weight": 1,
                  "scale": { "type": "choice", "options": [
                      { "key": "none", "label": "None", "points": 0 },
                      { "key": "some", "label": "Some", "points": 2.5 },
                      { "key": "all", "label": "All", "points": 5 } ] } },
                { "id": "m", "category": "more_data", "text": "M", "weight": 1,
                  "scale": { "type": "boolean" } }
            ]
        }))
        .expect("a test model")
    }

    fn run(responses: Value) -> ScoreCard {
        score(
            &model(),
            &responses,
            &reference_scale(),
            &reference_rubric(),
        )
        .expect("valid")
    }

    fn advice(level: i16, category: RubricCategory) -> String {
        reference_rubric()
            .advice(level, category)
            .expect("a rubric row")
            .recommendation
            .clone()
    }

    #[test]
    fn answers_normalise_to_points_out_of_five() {
        // Likert 1–4: (answer − 1) × 5 / 3.
        assert_eq!(run(json!({ "l": 1 })).category_scores["ops"], dec("0.00"));
        assert_eq!(run(json!({ "l": 2 })).category_scores["ops"], dec("1.67"));
        assert_eq!(run(json!({ "l": 3 })).category_scores["ops"], dec("3.33"));
        assert_eq!(run(json!({ "l": 4 })).category_scores["ops"], dec("5.00"));
        assert_eq!(
            run(json!({ "c": "some" })).category_scores["data"],
            dec("2.50")
        );
        assert_eq!(
            run(json!({ "b": true })).category_scores["ops"],
            dec("5.00")
        );
        assert_eq!(
            run(json!({ "b": false })).category_scores["ops"],
            dec("0.00")
        );
    }

    #[test]
    fn category_score_is_the_weighted_mean_of_its_answers() {
        // ops: (2 × 5/3 + 1 × 5) / 3 = 25/9 = 2.777… → 2.78.
        let card = run(json!({ "l": 2, "b": true }));
        assert_eq!(card.category_scores["ops"], dec("2.78"));
        assert_eq!(
            card.category_scores.len(),
            1,
            "unanswered categories have no score"
        );
    }

    #[test]
    fn overall_uses_exact_category_scores_and_rounds_once() {
        // ops 25/9 (weight 2), data 5/2 (weight 1): (50/9 + 5/2) / 3 = 145/54 = 2.685… → 2.69.
        // From the rounded category scores it would be (2 × 2.78 + 2.50) / 3 = 2.6867 → 2.69 too,
        // but the engine never rounds twice.
        let card = run(json!({ "l": 2, "b": true, "c": "some" }));
        assert_eq!(card.overall, dec("2.69"));
        assert_eq!(card.bracket, ScoreBracket::Score2_5);
        assert_eq!(card.maturity_level, 5);
    }

    #[test]
    fn overall_rounds_half_away_from_zero() {
        // ops 5/3 (l = 2), more_data 5 (weight 1) , data 0: (10/3 + 0 + 5) / 4 = 25/12 = 2.0833…
        assert_eq!(
            run(json!({ "l": 2, "c": "none", "m": true })).overall,
            dec("2.08")
        );
        // ops 0 (weight 2), data 2.5, more_data 0: 2.5 / 4 = 0.625 exactly → 0.63, not 0.62.
        assert_eq!(
            run(json!({ "l": 1, "c": "some", "m": false })).overall,
            dec("0.63")
        );
    }

    #[test]
    fn no_answers_score_zero_with_zero_confidence() {
        let card = run(json!({}));
        assert_eq!(card.overall, dec("0.00"));
        assert_eq!(card.bracket, ScoreBracket::Score1);
        assert_eq!(card.maturity_level, 0);
        assert_eq!(card.confidence, dec("0.00"));
        assert!(card.category_scores.is_empty());
        assert!(card.recommendations.is_empty());
        assert!(card.next_steps.is_empty());
        assert_eq!(
            card.insights,
            "No questions answered yet (0 of 4), so the score is 0.00."
        );
    }

    #[test]
    fn null_answers_count_as_missing() {
        assert_eq!(
            run(json!({ "l": null, "b": true })),
            run(json!({ "b": true }))
        );
    }

    #[test]
    fn confidence_is_answered_weight_rounded_down() {
        // Total weight 5. Answering l (2) and b (1): 3/5.
        assert_eq!(run(json!({ "l": 3, "b": true })).confidence, dec("0.60"));
        // Answering c alone: 1/5.
        assert_eq!(run(json!({ "c": "all" })).confidence, dec("0.20"));
        let all = run(json!({ "l": 3, "b": true, "c": "all", "m": false }));
        assert_eq!(all.confidence, dec("1.00"));
    }

    #[test]
    fn confidence_rounds_down_never_up() {
        // Three questions of weight 1, two answered: 0.666… → 0.66, not 0.67.
        let mut model = model();
        model.questions.truncate(1);
        model.questions[0].weight = 1;
        for id in ["x", "y"] {
            let mut extra = model.questions[0].clone();
            extra.id = id.to_owned();
            model.questions.push(extra);
        }
        let responses = json!({ "l": 4, "x": 4 });
        let card =
            score(&model, &responses, &reference_scale(), &reference_rubric()).expect("valid");
        assert_eq!(card.confidence, dec("0.66"));
    }

    #[test]
    fn advice_comes_from_the_two_weakest_distinct_rubric_categories() {
        // ops 5.00, data 0.00, more_data 0.00: data (weight 1, listed before more_data) and
        // more_data share the `data` rubric category, so the advice is data, then operations.
        let card = run(json!({ "l": 4, "c": "none", "m": false }));
        // (2 × 5 + 0 + 0) / 4 = 2.50 → level 5.
        assert_eq!(card.overall, dec("2.50"));
        assert_eq!(card.maturity_level, 5);
        assert_eq!(
            card.recommendations,
            [
                advice(5, RubricCategory::Data),
                advice(5, RubricCategory::Operations)
            ]
        );
        let rubric = reference_rubric();
        let steps: Vec<String> = [RubricCategory::Data, RubricCategory::Operations]
            .iter()
            .map(|c| rubric.advice(5, *c).expect("row").next_step.clone())
            .collect();
        assert_eq!(card.next_steps, steps);
    }

    #[test]
    fn ties_in_weakness_go_to_the_heavier_category() {
        // ops 0 (weight 2) and data 0 (weight 1) tie: operations first.
        let card = run(json!({ "l": 1, "c": "none" }));
        assert_eq!(
            card.recommendations,
            [
                advice(0, RubricCategory::Operations),
                advice(0, RubricCategory::Data)
            ]
        );
    }

    #[test]
    fn one_answered_category_gives_one_piece_of_advice() {
        let card = run(json!({ "c": "all" }));
        assert_eq!(card.recommendations, [advice(9, RubricCategory::Data)]);
        assert_eq!(card.next_steps.len(), 1);
        assert_eq!(
            card.insights,
            "Overall 5.00 out of 5 (maturity level 9), from Data alone; 1 of 4 questions answered."
        );
    }

    #[test]
    fn missing_rubric_rows_are_skipped() {
        let card = score(
            &model(),
            &json!({ "l": 4, "c": "none" }),
            &reference_scale(),
            &Rubric::default(),
        )
        .expect("valid");
        assert!(card.recommendations.is_empty());
        assert!(card.next_steps.is_empty());
    }

    #[test]
    fn rubric_last_row_wins() {
        let row = |recommendation: &str| RubricRow {
            level: 3,
            category: "data".to_owned(),
            recommendation: recommendation.to_owned(),
            next_step: "step".to_owned(),
        };
        let rubric = Rubric::new([row("first"), row("second")]);
        let advice = rubric.advice(3, RubricCategory::Data).expect("a row");
        assert_eq!(advice.recommendation, "second");
        assert!(rubric.advice(3, RubricCategory::People).is_none());
    }

    #[test]
    fn insight_names_strongest_and_weakest() {
        let card = run(json!({ "l": 4, "b": true, "c": "some" }));
        assert_eq!(
            card.insights,
            "Overall 4.17 out of 5 (maturity level 8): strongest in Operations (5.00), \
             weakest in Data (2.50); 3 of 4 questions answered."
        );
    }

    #[test]
    fn validation_names_the_offending_question() {
        let model = model();
        let check = |responses: Value| validate_responses(&model, &responses);
        assert_eq!(
            check(json!({ "l": 4, "b": true, "c": "all", "m": null })),
            Ok(())
        );
        assert_eq!(check(json!([1, 2])), Err(ResponseError::NotAnObject));
        let cases = [
            (json!({ "zz": 1 }), "zz", "unknown"),
            (json!({ "l": "4" }), "l", "type"),
            (json!({ "l": 2.5 }), "l", "type"),
            (json!({ "l": 5 }), "l", "scale"),
            (json!({ "l": 0 }), "l", "scale"),
            (json!({ "l": u64::MAX }), "l", "scale"),
            (json!({ "c": 5 }), "c", "type"),
            (json!({ "c": "most" }), "c", "scale"),
            (json!({ "b": "yes" }), "b", "type"),
        ];
        for (responses, question, kind) in cases {
            let error = check(responses.clone()).expect_err("invalid responses");
            assert_eq!(error.question(), Some(question), "{responses}");
            let matches = match kind {
                "unknown" => matches!(error, ResponseError::UnknownQuestion { .. }),
                "type" => matches!(error, ResponseError::WrongType { .. }),
                _ => matches!(error, ResponseError::OutOfScale { .. }),
            };
            assert!(matches, "{responses}: {error:?}");
        }
        assert_eq!(ResponseError::NotAnObject.question(), None);
    }

    #[test]
    fn validation_errors_read_well() {
        let model = model();
        let message = |responses: Value| {
            validate_responses(&model, &responses)
                .expect_err("invalid")
                .to_string()
        };
        assert_eq!(
            message(json!({ "l": 9 })),
            "the answer to `l` must be a whole number from 1 to 4"
        );
        assert_eq!(
            message(json!({ "c": "most" })),
            "the answer to `c` must be one of \"none\", \"some\", \"all\""
        );
        assert_eq!(
            message(json!({ "b": 1 })),
            "the answer to `b` must be true or false"
        );
        assert_eq!(
            message(json!({ "q": 1 })),
            "`q` is not a question of this assessment; its questions are `l`, `b`, `c`, `m`"
        );
    }

    #[test]
    fn scoring_refuses_invalid_responses() {
        let error = score(
            &model(),
            &json!({ "l": 7 }),
            &reference_scale(),
            &reference_rubric(),
        )
        .expect_err("out of scale");
        assert_eq!(error.question(), Some("l"));
    }

    #[test]
    fn fractions_round_exactly() {
        assert_eq!(Fraction::new(1, 3).round_half_up(), dec("0.33"));
        assert_eq!(Fraction::new(2, 3).round_half_up(), dec("0.67"));
        assert_eq!(Fraction::new(2, 3).round_down(), dec("0.66"));
        assert_eq!(Fraction::new(1, 200).round_half_up(), dec("0.01"));
        assert_eq!(Fraction::new(1, 200).round_down(), dec("0.00"));
        assert_eq!(Fraction::new(5, 1).round_half_up(), dec("5.00"));
        assert_eq!(
            Fraction::from_decimal(dec("3.50")).round_down(),
            dec("3.50")
        );
        let sum = Fraction::new(1, 6).plus(Fraction::new(1, 3));
        assert_eq!((sum.numerator, sum.denominator), (1, 2));
        assert!(weighted_mean(std::iter::empty()).is_none());
    }

    #[test]
    fn swot_sorts_every_answered_category_by_its_score() {
        // ops: l = 4 (5 points) and b = true (5) → 5.00; data: "some" → 2.50; more_data: 0.00.
        let card = run(json!({ "l": 4, "b": true, "c": "some", "m": false }));
        let keys = |entries: &[SwotEntry]| -> Vec<String> {
            entries.iter().map(|entry| entry.category.clone()).collect()
        };
        assert_eq!(keys(&card.swot.strengths), ["ops"]);
        assert_eq!(keys(&card.swot.opportunities), ["data"]);
        assert_eq!(keys(&card.swot.weaknesses), ["more_data"]);
        assert_eq!(keys(&card.swot.threats), ["more_data"]);
        assert_eq!(card.swot.strengths[0].score, dec("5.00"));
        // Overall (2 × 5 + 2.5 + 0) / 4 = 3.125 → 3.13, level 6: the rubric's advice there.
        assert_eq!(
            card.swot.weaknesses[0].recommendation.as_deref(),
            Some(advice(card.maturity_level, RubricCategory::Data).as_str())
        );
    }

    #[test]
    fn a_weakness_above_the_threat_line_is_no_threat() {
        // data: "some" is 2.50, an opportunity; l = 2 on 1–4 is 5/3 points, b = false: ops
        // (2 × 5/3 + 0) / 3 = 1.11, a weakness and a threat; m = true: a strength.
        let card = run(json!({ "l": 2, "b": false, "c": "some", "m": true }));
        assert_eq!(card.swot.weaknesses.len(), 1);
        assert_eq!(card.swot.threats.len(), 1);
        let card = run(json!({ "l": 3, "b": false, "c": "some", "m": true }));
        // ops: (2 × 10/3 + 0) / 3 = 2.22: a weakness, not below 1.50.
        assert_eq!(card.swot.weaknesses[0].score, dec("2.22"));
        assert!(card.swot.threats.is_empty());
    }

    #[test]
    fn insight_of_even_categories_names_no_strongest_or_weakest() {
        let card = run(json!({ "l": 4, "b": true, "c": "all", "m": true }));
        assert_eq!(
            card.insights,
            "Overall 5.00 out of 5 (maturity level 9), even across all 3 categories (5.00); \
             4 of 4 questions answered."
        );
    }

    #[test]
    fn a_submission_answers_every_category() {
        let model = model();
        assert_eq!(
            require_every_category(&model, &json!({ "l": 3, "m": null })),
            Err(ResponseError::Incomplete {
                categories: vec!["Data".to_owned(), "More data".to_owned()]
            })
        );
        assert_eq!(
            require_every_category(&model, &json!({ "l": 3, "c": "none", "m": false })),
            Ok(())
        );
        assert_eq!(
            ResponseError::Incomplete {
                categories: vec!["Data".to_owned()]
            }
            .to_string(),
            "answer at least one question of every category before submitting; unanswered: Data"
        );
    }

    #[test]
    fn answer_points_are_the_scales_points() {
        let model = model();
        let question = |id: &str| model.question(id).expect("a question of the model");
        // 2 on 1–4: (2 − 1) × 5 / 3 = 1.6667.
        assert_eq!(answer_points(question("l"), &json!(2)), Some(dec("1.6667")));
        assert_eq!(
            answer_points(question("b"), &json!(true)),
            Some(dec("5.0000"))
        );
        assert_eq!(
            answer_points(question("c"), &json!("some")),
            Some(dec("2.5000"))
        );
        assert_eq!(answer_points(question("c"), &json!("lots")), None);
        assert_eq!(answer_points(question("m"), &Value::Null), None);
    }

    /// The test model with a text question `t` (weight 0, at most 12 characters) in `ops`.
    fn model_with_text() -> QuestionModel {
        let mut model = model();
        model.questions.push(
            serde_json::from_value(json!({ "id": "t", "category": "ops", "text": "T",
                "weight": 0, "scale": { "type": "text", "max_length": 12 } }))
            .expect("a text question"),
        );
        assert_eq!(model.check(), Ok(()));
        model
    }

    #[test]
    fn a_text_answer_is_kept_but_never_scored() {
        let with_text = model_with_text();
        let answer_sets = [
            json!({}),
            json!({ "c": "all" }),
            json!({ "l": 2, "b": true, "c": "some" }),
            json!({ "l": 4, "b": true, "c": "all", "m": true }),
        ];
        for responses in answer_sets {
            let without = run(responses.clone());
            let mut answered = responses.clone();
            // 12 characters, 15 bytes: the limit counts characters.
            answered["t"] = json!("Ça été\n\tbien");
            assert_eq!(validate_responses(&with_text, &answered), Ok(()));
            let card = score(
                &with_text,
                &answered,
                &reference_scale(),
                &reference_rubric(),
            )
            .expect("valid");
            // Same points, confidence and insight ("… of 4 questions"): only scored ones count.
            assert_eq!(card, without, "{answered}");
        }
        let text = with_text.question("t").expect("t");
        assert_eq!(answer_points(text, &json!("Fine")), None);
    }

    #[test]
    fn a_text_answer_alone_answers_no_category() {
        let model = model_with_text();
        let card = score(
            &model,
            &json!({ "t": "Just this" }),
            &reference_scale(),
            &reference_rubric(),
        )
        .expect("valid");
        assert!(card.category_scores.is_empty());
        assert_eq!(card.confidence, dec("0.00"));
        assert_eq!(
            card.insights,
            "No questions answered yet (0 of 4), so the score is 0.00."
        );
        assert_eq!(
            require_every_category(&model, &json!({ "t": "Ops", "c": "all", "m": true })),
            Err(ResponseError::Incomplete {
                categories: vec!["Operations".to_owned()]
            })
        );
    }

    #[test]
    fn a_text_answer_must_be_short_printable_non_blank_text() {
        let model = model_with_text();
        let check = |answer: Value| validate_responses(&model, &json!({ "t": answer }));
        assert_eq!(check(json!("x")), Ok(()));
        assert_eq!(check(json!("twelve chars")), Ok(()));
        assert_eq!(check(Value::Null), Ok(()), "null clears the answer");
        let expected = "a text of at most 12 characters, not blank, with no control characters \
                        but newline and tab";
        let wrong_type = |answer: Value| {
            assert_eq!(
                check(answer.clone()),
                Err(ResponseError::WrongType {
                    question: "t".to_owned(),
                    expected: expected.to_owned()
                }),
                "{answer}"
            );
        };
        wrong_type(json!(4));
        wrong_type(json!(true));
        wrong_type(json!(["a list"]));
        wrong_type(json!({ "text": "hi" }));
        let out_of_scale = |answer: &str| {
            assert_eq!(
                check(json!(answer)),
                Err(ResponseError::OutOfScale {
                    question: "t".to_owned(),
                    expected: expected.to_owned()
                }),
                "{answer:?}"
            );
        };
        out_of_scale("thirteen char");
        out_of_scale("ééééééééééééé");
        out_of_scale("");
        out_of_scale(" \n\t ");
        out_of_scale("bell\u{7}");
        out_of_scale("a\rb");
        out_of_scale("nul\0");
        out_of_scale("esc\u{1b}[2J");
        out_of_scale("c1\u{85}");
        assert_eq!(
            validate_responses(&model, &json!({ "t": 1 }))
                .expect_err("not text")
                .to_string(),
            format!("the answer to `t` must be {expected}")
        );
    }

    #[test]
    fn low_confidence_is_below_three_quarters() {
        assert!(is_low_confidence(dec("0.74")));
        assert!(!is_low_confidence(dec("0.75")));
    }
}
