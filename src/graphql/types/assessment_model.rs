//! `AssessmentModel`: the questionnaire of one assessment type at one version, exactly as the
//! scoring engine reads it, so that a client can render the form and build answers the engine
//! accepts.

use async_graphql::{Object, SimpleObject, Union};
use serde_json::json;

use super::decimal_to_f64;
use crate::domain::scoring::{self, Category, Question, QuestionModel, Scale};
use crate::graphql::enums::AssessmentType;

/// A question model compiled into the server.
pub struct AssessmentModel(pub &'static QuestionModel);

/// The questionnaire of one assessment type at one version: its categories and its questions
/// with their answer scales and weights. `saveAssessmentResponses` takes an object of question
/// `key` → answer that fits the question's `scale`; `submitAssessment` needs at least one
/// scored answer in every category (a `TextScale` answer is never scored). Public reference
/// data.
#[Object]
impl AssessmentModel {
    /// The kind of assessment the model is for.
    async fn assessment_type(&self) -> AssessmentType {
        self.0.assessment_type.into()
    }

    /// The version, as `Assessment.version` and `StartAssessmentInput.version` give it, e.g.
    /// `1.0`.
    async fn version(&self) -> &str {
        &self.0.version
    }

    /// Whether `startAssessment` uses this version when its input names none.
    async fn current(&self) -> bool {
        self.0.is_current()
    }

    /// The questionnaire's title, for people.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The categories, in display order.
    async fn categories(&self) -> Vec<AssessmentCategory> {
        let model = self.0;
        let categories = model.categories.iter();
        categories
            .map(|category| AssessmentCategory { model, category })
            .collect()
    }

    /// Every question, in the order they are asked.
    async fn questions(&self) -> Vec<AssessmentQuestion> {
        self.0.questions.iter().map(AssessmentQuestion).collect()
    }
}

/// A category of a question model.
pub struct AssessmentCategory {
    model: &'static QuestionModel,
    category: &'static Category,
}

/// A group of questions scored together. A category's score is the weighted mean of the points
/// (0–5) of its answered scored questions; the overall score is the weighted mean of the
/// scores of the categories with an answer.
#[Object]
impl AssessmentCategory {
    /// The key its questions name in `categoryKey`, and its score is given under in
    /// `AssessmentScore.categoryScores`.
    async fn key(&self) -> &str {
        &self.category.key
    }

    /// The name shown to people.
    async fn name(&self) -> &str {
        &self.category.name
    }

    /// The category's weight in the overall score, relative to the other categories' (a whole
    /// number, at least 1).
    async fn weight(&self) -> u32 {
        self.category.weight
    }

    /// The maturity rubric category whose advice applies when this category is weak:
    /// `strategy`, `operations`, `technology`, `data` or `people`, as `MaturityCriterion.category`
    /// names it.
    async fn rubric_category(&self) -> &str {
        self.category.rubric_category.as_str()
    }

    /// The category's questions, in the order they are asked.
    async fn questions(&self) -> Vec<AssessmentQuestion> {
        let questions = self.model.questions.iter();
        let of_category = questions.filter(|question| question.category == self.category.key);
        of_category.map(AssessmentQuestion).collect()
    }
}

/// A question of a question model.
pub struct AssessmentQuestion(&'static Question);

/// One question, and how it is answered.
#[Object]
impl AssessmentQuestion {
    /// The key its answer is given under in `responses`, e.g. `{"<key>": 4}`; unique within
    /// the model. (A key, not a global ID: the same key may be asked in other models.)
    async fn key(&self) -> &str {
        &self.0.id
    }

    /// The `key` of the category the question belongs to.
    async fn category_key(&self) -> &str {
        &self.0.category
    }

    /// The question as asked.
    async fn text(&self) -> &str {
        &self.0.text
    }

    /// The question's weight within its category, relative to the other questions' (a whole
    /// number, at least 1, and 0 for a `TextScale` question, which is never scored); the
    /// score's confidence is the answered questions' share of the model's total weight.
    async fn weight(&self) -> u32 {
        self.0.weight
    }

    /// What an answer looks like, and what each is worth.
    async fn scale(&self) -> AnswerScale {
        AnswerScale::of(self.0)
    }
}

/// How a question is answered: a whole number on a scale, one of a list of options, yes or
/// no, or free text. Every answer but text is worth 0 to 5 points, higher is better; a text
/// answer is kept as given and never scored.
#[derive(Union)]
pub enum AnswerScale {
    Likert(LikertScale),
    Choice(ChoiceScale),
    Boolean(BooleanScale),
    Text(TextScale),
}

impl AnswerScale {
    fn of(question: &Question) -> Self {
        match &question.scale {
            Scale::Likert {
                min,
                max,
                min_label,
                max_label,
            } => Self::Likert(LikertScale {
                min: *min,
                max: *max,
                min_label: min_label.clone(),
                max_label: max_label.clone(),
            }),
            Scale::Choice { options } => Self::Choice(ChoiceScale {
                options: options
                    .iter()
                    .map(|option| AnswerOption {
                        key: option.key.clone(),
                        label: option.label.clone(),
                        points: decimal_to_f64(option.points),
                    })
                    .collect(),
            }),
            Scale::Boolean => {
                // The engine's own reading of the two answers.
                let points = |answer| {
                    let points = scoring::answer_points(question, &json!(answer));
                    points.map(decimal_to_f64).unwrap_or_default()
                };
                Self::Boolean(BooleanScale {
                    yes_points: points(true),
                    no_points: points(false),
                })
            }
            Scale::Text { max_length } => Self::Text(TextScale {
                max_length: *max_length,
            }),
        }
    }
}

/// Answered with a whole number from `min` to `max` (a JSON number): `min` is worth 0 points,
/// `max` 5, and the numbers between them are spaced evenly.
#[derive(SimpleObject)]
pub struct LikertScale {
    /// The lowest answer.
    min: i64,
    /// The highest answer.
    max: i64,
    /// What the lowest answer means, e.g. "Strongly disagree".
    min_label: String,
    /// What the highest answer means, e.g. "Strongly agree".
    max_label: String,
}

/// Answered with the `key` of one of the options (a JSON string).
#[derive(SimpleObject)]
pub struct ChoiceScale {
    /// The options, in display order.
    options: Vec<AnswerOption>,
}

/// One option of a choice question.
#[derive(SimpleObject)]
pub struct AnswerOption {
    /// The answer that picks this option.
    key: String,
    /// The option as shown to people.
    label: String,
    /// What picking it is worth, 0–5 with at most two decimals.
    points: f64,
}

/// Answered with `true` (yes) or `false` (no).
#[derive(SimpleObject)]
pub struct BooleanScale {
    /// What `true` is worth.
    yes_points: f64,
    /// What `false` is worth.
    no_points: f64,
}

/// Answered with free text (a JSON string), never scored: at most `maxLength` characters, not
/// blank, with no control characters but newline and tab. Optional, and its question weighs 0.
#[derive(SimpleObject)]
pub struct TextScale {
    /// The most characters (not bytes) an answer may have.
    max_length: u32,
}
