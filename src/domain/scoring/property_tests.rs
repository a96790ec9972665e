//! Property tests of the scoring invariants, over random answer sets for every question model.

use entity::enums::ScoreBracket;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::testing::{dec, reference_rubric, reference_scale};
use super::{
    ADVICE_CATEGORIES, MAX_SCORE, Question, QuestionModel, Scale, ScoreCard, bracket_for,
    question_models, score, validate_responses,
};

/// As many as any model has questions (the model tests cap them at 8 scored and one text).
const SLOTS: usize = 9;

/// The two-decimal scores each bracket covers, written out independently of `bracket_for`.
const BRACKETS: [(ScoreBracket, &str, &str); 9] = [
    (ScoreBracket::Score1, "0.00", "1.49"),
    (ScoreBracket::Score1_5, "1.50", "1.99"),
    (ScoreBracket::Score2, "2.00", "2.49"),
    (ScoreBracket::Score2_5, "2.50", "2.99"),
    (ScoreBracket::Score3, "3.00", "3.49"),
    (ScoreBracket::Score3_5, "3.50", "3.99"),
    (ScoreBracket::Score4, "4.00", "4.49"),
    (ScoreBracket::Score4_5, "4.50", "4.99"),
    (ScoreBracket::Score5, "5.00", "5.00"),
];

/// A model index and, per question slot, either no answer or a seed the answer is drawn from.
fn answer_sets() -> impl Strategy<Value = (usize, Vec<Option<u32>>)> {
    (
        0..question_models().len(),
        vec(option::of(any::<u32>()), SLOTS),
    )
}

/// A valid answer to the question, chosen by the seed.
fn answer(question: &Question, seed: u32) -> Value {
    match &question.scale {
        Scale::Likert { min, max, .. } => json!(min + i64::from(seed) % (max - min + 1)),
        Scale::Choice { options } => json!(options[seed as usize % options.len()].key),
        Scale::Boolean => json!(seed.is_multiple_of(2)),
        Scale::Text { .. } => json!(format!("Note {seed}\n\tend")),
    }
}

/// The responses object for a model and its seeds.
fn responses(model: &QuestionModel, seeds: &[Option<u32>]) -> Map<String, Value> {
    model
        .questions
        .iter()
        .zip(seeds)
        .filter_map(|(question, seed)| {
            seed.map(|seed| (question.id.clone(), answer(question, seed)))
        })
        .collect()
}

/// The ids of the scored questions `responses` answers, in id order.
fn scored_answers(model: &QuestionModel, responses: &Map<String, Value>) -> Vec<String> {
    let scored = |id: &&String| model.question(id).is_some_and(Question::is_scored);
    responses.keys().filter(scored).cloned().collect()
}

/// An answer at least as good as `current`, chosen by the seed.
fn raised(question: &Question, current: &Value, seed: u32) -> Value {
    match &question.scale {
        Scale::Likert { max, .. } => {
            let current = current.as_i64().expect("a likert answer");
            json!(current + i64::from(seed) % (max - current + 1))
        }
        Scale::Choice { options } => {
            let points = |key: &str| {
                options
                    .iter()
                    .find(|o| o.key == key)
                    .expect("an option")
                    .points
            };
            let floor = points(current.as_str().expect("a choice answer"));
            let better: Vec<&str> = options
                .iter()
                .filter(|o| o.points >= floor)
                .map(|o| o.key.as_str())
                .collect();
            json!(better[seed as usize % better.len()])
        }
        Scale::Boolean => {
            json!(current.as_bool().expect("a boolean answer") || seed.is_multiple_of(2))
        }
        // Text is never scored: no answer is better than another.
        Scale::Text { .. } => current.clone(),
    }
}

fn run(model: &QuestionModel, responses: Map<String, Value>) -> ScoreCard {
    score(
        model,
        &Value::Object(responses),
        &reference_scale(),
        &reference_rubric(),
    )
    .expect("generated responses are valid")
}

fn is_two_decimal_score(value: Decimal) -> bool {
    value >= Decimal::ZERO && value <= MAX_SCORE && value.scale() == 2
}

proptest! {
    #[test]
    fn scores_stay_within_zero_to_five((index, seeds) in answer_sets()) {
        let model = &question_models()[index];
        let responses = responses(model, &seeds);
        prop_assert!(validate_responses(model, &Value::Object(responses.clone())).is_ok());
        let card = run(model, responses);
        prop_assert!(is_two_decimal_score(card.overall), "overall {}", card.overall);
        for (category, value) in &card.category_scores {
            prop_assert!(model.category(category).is_some());
            prop_assert!(is_two_decimal_score(*value), "{category} {value}");
        }
        prop_assert!(card.confidence >= Decimal::ZERO && card.confidence <= Decimal::ONE);
    }

    #[test]
    fn bracket_and_level_follow_the_score((index, seeds) in answer_sets()) {
        let model = &question_models()[index];
        let card = run(model, responses(model, &seeds));
        prop_assert_eq!(card.bracket, bracket_for(card.overall));
        let (_, low, high) = BRACKETS
            .iter()
            .find(|(bracket, _, _)| *bracket == card.bracket)
            .expect("a listed bracket");
        prop_assert!(dec(low) <= card.overall && card.overall <= dec(high),
            "{} outside {:?}", card.overall, card.bracket);
        prop_assert_eq!(card.maturity_level, reference_scale().level_for(card.overall));
        prop_assert!((0..=9).contains(&card.maturity_level));
    }

    #[test]
    fn advice_comes_from_the_rubric_at_the_reached_level((index, seeds) in answer_sets()) {
        let model = &question_models()[index];
        let card = run(model, responses(model, &seeds));
        let rubric = reference_rubric();
        let answered_categories = card.category_scores.len();
        prop_assert_eq!(card.recommendations.len(), card.next_steps.len());
        prop_assert!(card.recommendations.len() <= ADVICE_CATEGORIES.min(answered_categories));
        if answered_categories > 0 {
            prop_assert!(!card.recommendations.is_empty());
        }
        for (recommendation, next_step) in card.recommendations.iter().zip(&card.next_steps) {
            let from_rubric = model.categories.iter().any(|category| {
                rubric
                    .advice(card.maturity_level, category.rubric_category)
                    .is_some_and(|row| {
                        &row.recommendation == recommendation && &row.next_step == next_step
                    })
            });
            prop_assert!(from_rubric, "{recommendation}");
        }
    }

    #[test]
    fn raising_an_answer_never_lowers_its_category_or_the_overall(
        (index, seeds) in answer_sets(),
        pick in any::<usize>(),
        raise in any::<u32>(),
    ) {
        let model = &question_models()[index];
        let before = responses(model, &seeds);
        let scored = scored_answers(model, &before);
        prop_assume!(!scored.is_empty());
        let id = &scored[pick % scored.len()];
        let question = model.question(id).expect("a question");
        let mut after = before.clone();
        after.insert(id.clone(), raised(question, &before[id], raise));

        let (low, high) = (run(model, before), run(model, after));
        let category = &question.category;
        prop_assert!(high.category_scores[category] >= low.category_scores[category]);
        prop_assert!(high.overall >= low.overall, "{} < {}", high.overall, low.overall);
        prop_assert_eq!(high.confidence, low.confidence);
    }

    #[test]
    fn removing_an_answer_strictly_lowers_confidence(
        (index, seeds) in answer_sets(),
        pick in any::<usize>(),
    ) {
        let model = &question_models()[index];
        let before = responses(model, &seeds);
        let scored = scored_answers(model, &before);
        prop_assume!(!scored.is_empty());
        let id = &scored[pick % scored.len()];
        let mut after = before.clone();
        after.remove(id);
        let all_answered =
            scored.len() == model.questions.iter().filter(|q| q.is_scored()).count();

        let (full, fewer) = (run(model, before), run(model, after));
        prop_assert!(fewer.confidence < full.confidence,
            "{} not below {}", fewer.confidence, full.confidence);
        prop_assert_eq!(full.confidence == Decimal::ONE, all_answered);
    }

    #[test]
    fn text_answers_change_nothing_in_the_score((index, seeds) in answer_sets(), text in any::<u32>()) {
        let model = &question_models()[index];
        let mut with_text = responses(model, &seeds);
        let texts = model.questions.iter().filter(|q| !q.is_scored());
        for question in texts {
            with_text.insert(question.id.clone(), answer(question, text));
        }
        let mut without_text = with_text.clone();
        without_text.retain(|id, _| model.question(id).is_some_and(Question::is_scored));
        prop_assert!(without_text.len() < with_text.len());
        prop_assert_eq!(run(model, with_text), run(model, without_text));
    }
}
