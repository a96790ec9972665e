//! Question models: the questions, categories, weights and answer scales of each assessment type
//! and version, kept as JSON data in `models/` rather than in code.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::LazyLock;

use entity::enums::AssessmentType;
use rust_decimal::Decimal;
use sea_orm::Iterable;
use serde::Deserialize;

use super::MAX_SCORE;

/// The version new assessments of every type are created with.
pub const CURRENT_VERSION: &str = "1.0";

/// Upper bound on a text question's `max_length`: answers are stored in `assessments.responses`.
pub const MAX_TEXT_LENGTH: u32 = 10_000;

/// Upper bound on a model's total question weight: with at most 100, every answer is worth at
/// least 0.01 of confidence, so removing one always shows in the two-decimal confidence.
pub const MAX_TOTAL_QUESTION_WEIGHT: u32 = 100;

/// The embedded model files, named `<assessment_type>.v<version>.json`.
const SOURCES: [(&str, &str); 11] = [
    (
        "onboarding.v1.0.json",
        include_str!("models/onboarding.v1.0.json"),
    ),
    (
        "strategic_maturity.v1.0.json",
        include_str!("models/strategic_maturity.v1.0.json"),
    ),
    ("bpm.v1.0.json", include_str!("models/bpm.v1.0.json")),
    (
        "competitive_benchmarking.v1.0.json",
        include_str!("models/competitive_benchmarking.v1.0.json"),
    ),
    (
        "customer_experience.v1.0.json",
        include_str!("models/customer_experience.v1.0.json"),
    ),
    (
        "digital_transformation.v1.0.json",
        include_str!("models/digital_transformation.v1.0.json"),
    ),
    (
        "leadership.v1.0.json",
        include_str!("models/leadership.v1.0.json"),
    ),
    (
        "marketing_effectiveness.v1.0.json",
        include_str!("models/marketing_effectiveness.v1.0.json"),
    ),
    (
        "sales_performance.v1.0.json",
        include_str!("models/sales_performance.v1.0.json"),
    ),
    (
        "tech_stack.v1.0.json",
        include_str!("models/tech_stack.v1.0.json"),
    ),
    (
        "ai_readiness.v1.0.json",
        include_str!("models/ai_readiness.v1.0.json"),
    ),
];

/// Every embedded model, parsed and checked on first use. The files are compiled in and the unit
/// tests load them all, so a malformed one fails the build's tests, never a running server.
static MODELS: LazyLock<Vec<QuestionModel>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(file, text)| {
            let model: QuestionModel = serde_json::from_str(text)
                .unwrap_or_else(|error| panic!("question model {file}: {error}"));
            if let Err(problem) = model.check() {
                panic!("question model {file}: {problem}");
            }
            model
        })
        .collect()
});

/// Every known question model, in no particular order.
pub fn question_models() -> &'static [QuestionModel] {
    &MODELS
}

/// The question models of one assessment type, or of every type: the types in their declared
/// order, each type's versions oldest first.
pub fn question_models_of(assessment_type: Option<AssessmentType>) -> Vec<&'static QuestionModel> {
    let position = |model: &QuestionModel| {
        AssessmentType::iter().position(|known| known == model.assessment_type)
    };
    let mut models: Vec<&'static QuestionModel> = MODELS
        .iter()
        .filter(|model| assessment_type.is_none_or(|wanted| model.assessment_type == wanted))
        .collect();
    models.sort_by(|a, b| {
        position(a)
            .cmp(&position(b))
            .then_with(|| compare_versions(&a.version, &b.version))
    });
    models
}

/// Orders versions by their dot-separated numbers (`1.9` before `1.10`); a part that is not a
/// number compares as text.
fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |version: &str| -> Vec<(u64, String)> {
        let parts = version.split('.');
        parts
            .map(|part| (part.parse().unwrap_or(u64::MAX), part.to_owned()))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

/// The question model of an assessment type at a version, if there is one.
pub fn question_model(
    assessment_type: AssessmentType,
    version: &str,
) -> Option<&'static QuestionModel> {
    MODELS
        .iter()
        .find(|model| model.assessment_type == assessment_type && model.version == version)
}

/// One version of one assessment type's questionnaire.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionModel {
    /// The assessment type this model scores.
    pub assessment_type: AssessmentType,
    /// The version, as stored in `assessments.version` (e.g. `"1.0"`).
    pub version: String,
    /// The questionnaire's title, for people.
    pub title: String,
    /// The categories questions are grouped and scored in, in display order.
    pub categories: Vec<Category>,
    /// The questions, in the order they are asked.
    pub questions: Vec<Question>,
}

/// A group of questions scored together.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// The key category scores are stored under.
    pub key: String,
    /// The name shown to people.
    pub name: String,
    /// Relative weight of the category in the overall score.
    pub weight: u32,
    /// The maturity rubric category whose advice applies when this category is weak.
    pub rubric_category: RubricCategory,
}

/// The five categories of the maturity rubric (`maturity_criteria.category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RubricCategory {
    /// Direction, goals and priorities.
    Strategy,
    /// Processes and how work gets done.
    Operations,
    /// Systems and tools.
    Technology,
    /// Data and measurement.
    Data,
    /// Skills, roles and culture.
    People,
}

impl RubricCategory {
    /// Every rubric category.
    pub const ALL: [RubricCategory; 5] = [
        Self::Strategy,
        Self::Operations,
        Self::Technology,
        Self::Data,
        Self::People,
    ];

    /// The value as stored in `maturity_criteria.category`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strategy => "strategy",
            Self::Operations => "operations",
            Self::Technology => "technology",
            Self::Data => "data",
            Self::People => "people",
        }
    }
}

/// One question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The key the answer is given under in `assessments.responses`.
    pub id: String,
    /// The key of the category the question belongs to.
    pub category: String,
    /// The question as asked.
    pub text: String,
    /// Relative weight of the question within its category, and in confidence: at least 1 for a
    /// scored question, 0 for a text question.
    pub weight: u32,
    /// How the question is answered.
    pub scale: Scale,
}

/// How a question is answered: every answer to a scored scale normalises to points between 0
/// and 5, higher better; a text answer is kept as given and never scored.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Scale {
    /// A whole number from `min` (0 points) to `max` (5 points), linear in between.
    Likert {
        /// The lowest answer.
        min: i64,
        /// The highest answer.
        max: i64,
        /// What the lowest answer means.
        min_label: String,
        /// What the highest answer means.
        max_label: String,
    },
    /// One of a list of options, each worth its own points.
    Choice {
        /// The options, in display order.
        options: Vec<ChoiceOption>,
    },
    /// Yes (5 points) or no (0 points).
    Boolean,
    /// Free text, never scored: a string of at most `max_length` characters, not blank, with no
    /// control characters but newline and tab. Its question weighs 0.
    Text {
        /// The most characters (not bytes) an answer may have.
        max_length: u32,
    },
}

/// One option of a choice question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// The value an answer gives to pick this option.
    pub key: String,
    /// The option as shown.
    pub label: String,
    /// Points from 0 to 5, at most two decimals.
    pub points: Decimal,
}

impl Question {
    /// Whether the answer is worth points: every scale but text.
    pub fn is_scored(&self) -> bool {
        self.scale.is_scored()
    }
}

impl QuestionModel {
    /// The category with this key, if any.
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|category| category.key == key)
    }

    /// The question with this id, if any.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|question| question.id == id)
    }

    /// The ids of the questions, in the order they are asked.
    pub fn question_ids(&self) -> Vec<String> {
        self.questions.iter().map(|q| q.id.clone()).collect()
    }

    /// Whether new assessments of the type start with this version when none is asked for.
    pub fn is_current(&self) -> bool {
        self.version == CURRENT_VERSION
    }

    /// Checks what the engine relies on; the error names the first problem found.
    pub fn check(&self) -> Result<(), String> {
        if self.version.is_empty() || self.title.is_empty() {
            return Err("version and title must not be empty".to_owned());
        }
        let mut category_keys = HashSet::new();
        for category in &self.categories {
            if category.key.is_empty() || category.name.is_empty() {
                return Err("a category has an empty key or name".to_owned());
            }
            if !category_keys.insert(category.key.as_str()) {
                return Err(format!("category `{}` appears twice", category.key));
            }
            if category.weight == 0 {
                return Err(format!("category `{}` has weight 0", category.key));
            }
            let questions = || self.questions.iter().filter(|q| q.category == category.key);
            if questions().next().is_none() {
                return Err(format!("category `{}` has no questions", category.key));
            }
            // A submission answers every category, and only a scored answer counts. (So the
            // model's total scored weight is above 0: every category has a scored question,
            // which weighs at least 1.)
            if !questions().any(Question::is_scored) {
                return Err(format!(
                    "category `{}` has only text questions, which are never scored",
                    category.key
                ));
            }
        }
        let mut question_ids = HashSet::new();
        let mut total_weight: u32 = 0;
        for question in &self.questions {
            if question.id.is_empty() || question.text.is_empty() {
                return Err("a question has an empty id or text".to_owned());
            }
            if !question_ids.insert(question.id.as_str()) {
                return Err(format!("question `{}` appears twice", question.id));
            }
            if self.category(&question.category).is_none() {
                return Err(format!(
                    "question `{}` names unknown category `{}`",
                    question.id, question.category
                ));
            }
            if question.is_scored() && question.weight == 0 {
                return Err(format!("question `{}` has weight 0", question.id));
            }
            if !question.is_scored() && question.weight != 0 {
                return Err(format!(
                    "text question `{}` has weight {}, not 0: a text answer is never scored",
                    question.id, question.weight
                ));
            }
            total_weight = total_weight.saturating_add(question.weight);
            question
                .scale
                .check()
                .map_err(|problem| format!("question `{}`: {problem}", question.id))?;
        }
        if self.questions.is_empty() {
            return Err("the model has no questions".to_owned());
        }
        if total_weight > MAX_TOTAL_QUESTION_WEIGHT {
            return Err(format!(
                "total question weight {total_weight} exceeds {MAX_TOTAL_QUESTION_WEIGHT}"
            ));
        }
        Ok(())
    }
}

impl Scale {
    /// Whether an answer on the scale is worth points: every scale but text.
    pub fn is_scored(&self) -> bool {
        !matches!(self, Self::Text { .. })
    }

    /// Checks the scale can turn every valid answer into 0–5 points, or, for text, bounds the
    /// answer's length.
    fn check(&self) -> Result<(), String> {
        match self {
            Self::Likert {
                min,
                max,
                min_label,
                max_label,
            } => {
                if min >= max {
                    return Err(format!("likert scale {min}–{max} is empty"));
                }
                if min_label.is_empty() || max_label.is_empty() {
                    return Err("likert labels must not be empty".to_owned());
                }
            }
            Self::Choice { options } => {
                if options.len() < 2 {
                    return Err("a choice needs at least two options".to_owned());
                }
                let mut keys = HashSet::new();
                for option in options {
                    if option.key.is_empty() || option.label.is_empty() {
                        return Err("an option has an empty key or label".to_owned());
                    }
                    if !keys.insert(option.key.as_str()) {
                        return Err(format!("option `{}` appears twice", option.key));
                    }
                    // Two decimals at most keeps the engine's exact fractions small.
                    if option.points < Decimal::ZERO
                        || option.points > MAX_SCORE
                        || option.points.scale() > 2
                    {
                        return Err(format!(
                            "option `{}` is worth {}, not 0–5 with two decimals",
                            option.key, option.points
                        ));
                    }
                }
            }
            Self::Boolean => {}
            Self::Text { max_length } => {
                if !(1..=MAX_TEXT_LENGTH).contains(max_length) {
                    return Err(format!(
                        "a text's max_length {max_length} is not 1–{MAX_TEXT_LENGTH}"
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> QuestionModel {
        serde_json::from_value(value).expect("a question model")
    }

    /// A small valid model the negative tests break one rule at a time.
    fn valid() -> serde_json::Value {
        json!({
            "assessment_type": "bpm",
            "version": "9.9",
            "title": "Test",
            "categories": [
                { "key": "a", "name": "A", "weight": 1, "rubric_category": "operations" }
            ],
            "questions": [
                { "id": "q1", "category": "a", "text": "Q1?", "weight": 1,
                  "scale": { "type": "likert", "min": 1, "max": 5,
                             "min_label": "Never", "max_label": "Always" } },
                { "id": "q2", "category": "a", "text": "Q2?", "weight": 1,
                  "scale": { "type": "choice", "options": [
                      { "key": "x", "label": "X", "points": 0 },
                      { "key": "y", "label": "Y", "points": 2.5 } ] } },
                { "id": "q3", "category": "a", "text": "Q3?", "weight": 1,
                  "scale": { "type": "boolean" } }
            ]
        })
    }

    fn problem(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut value = valid();
        edit(&mut value);
        parse(value).check().expect_err("a broken model")
    }

    #[test]
    fn every_embedded_model_is_well_formed() {
        // Loading checks every model; this fails with the file and problem if one is broken.
        let models = question_models();
        assert_eq!(models.len(), SOURCES.len());
        for ((file, _), model) in SOURCES.iter().zip(models) {
            let expected = format!("{}.v{}.json", model.assessment_type.as_str(), model.version);
            assert_eq!(*file, expected, "file name must match type and version");
            assert!(model.check().is_ok());
            assert!((3..=5).contains(&model.categories.len()), "{file}");
            let scored = model.questions.iter().filter(|q| q.is_scored()).count();
            assert!((5..=8).contains(&scored), "{file}");
            // One optional free-text question, `comments`, in the first category.
            let texts: Vec<&Question> = model.questions.iter().filter(|q| !q.is_scored()).collect();
            assert_eq!(texts.len(), 1, "{file}");
            assert_eq!(texts[0].id, "comments", "{file}");
            assert_eq!(texts[0].category, model.categories[0].key, "{file}");
            assert_eq!(texts[0].weight, 0, "{file}");
            assert!(
                matches!(texts[0].scale, Scale::Text { max_length: 2000 }),
                "{file}"
            );
        }
        let mut seen = HashSet::new();
        for model in models {
            assert!(
                seen.insert((model.assessment_type, model.version.as_str())),
                "two models for {:?} {}",
                model.assessment_type,
                model.version
            );
        }
    }

    #[test]
    fn every_assessment_type_has_a_current_model() {
        for assessment_type in AssessmentType::iter() {
            let model = question_model(assessment_type, CURRENT_VERSION)
                .unwrap_or_else(|| panic!("no {CURRENT_VERSION} model for {assessment_type:?}"));
            assert_eq!(model.assessment_type, assessment_type);
        }
        assert!(question_model(AssessmentType::Bpm, "0.1").is_none());
    }

    #[test]
    fn models_list_by_type_then_version() {
        let all = question_models_of(None);
        assert_eq!(all.len(), question_models().len());
        let types: Vec<AssessmentType> = all.iter().map(|model| model.assessment_type).collect();
        let declared: Vec<AssessmentType> = AssessmentType::iter().collect();
        assert_eq!(
            types, declared,
            "one current model per type, in declared order"
        );
        assert!(all.iter().all(|model| model.is_current()));
        let bpm = question_models_of(Some(AssessmentType::Bpm));
        let bpm: Vec<(AssessmentType, &str)> = bpm
            .iter()
            .map(|model| (model.assessment_type, model.version.as_str()))
            .collect();
        assert_eq!(bpm, [(AssessmentType::Bpm, CURRENT_VERSION)]);
    }

    #[test]
    fn versions_compare_by_their_numbers() {
        assert_eq!(compare_versions("1.9", "1.10"), Ordering::Less);
        assert_eq!(compare_versions("2.0", "1.10"), Ordering::Greater);
        assert_eq!(compare_versions("1.0", "1.0"), Ordering::Equal);
        assert_eq!(compare_versions("1.0", "1.0.1"), Ordering::Less);
        assert_eq!(compare_versions("1.0", "1.x"), Ordering::Less);
    }

    #[test]
    fn question_ids_are_in_asking_order() {
        let model = parse(valid());
        assert_eq!(model.question_ids(), ["q1", "q2", "q3"]);
        assert!(!model.is_current(), "version 9.9 is not the current one");
    }

    #[test]
    fn choice_points_parse_exactly() {
        let model = parse(valid());
        let Scale::Choice { options } = &model.question("q2").expect("q2").scale else {
            panic!("q2 is a choice");
        };
        assert_eq!(options[1].points, Decimal::new(25, 1));
        assert!(model.check().is_ok());
    }

    #[test]
    fn rubric_categories_have_their_stored_names() {
        let names: Vec<&str> = RubricCategory::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            ["strategy", "operations", "technology", "data", "people"]
        );
        let parsed: RubricCategory = serde_json::from_value(json!("data")).expect("a category");
        assert_eq!(parsed, RubricCategory::Data);
        assert!(serde_json::from_value::<RubricCategory>(json!("finance")).is_err());
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let mut value = valid();
        value["questions"][0]["wieght"] = json!(2);
        assert!(serde_json::from_value::<QuestionModel>(value).is_err());
    }

    /// A text question in category `a`, for `valid()`'s questions.
    fn text_question(weight: u32, max_length: u32) -> serde_json::Value {
        json!({ "id": "t", "category": "a", "text": "Anything else?", "weight": weight,
                "scale": { "type": "text", "max_length": max_length } })
    }

    fn with_question(question: serde_json::Value) -> impl FnOnce(&mut serde_json::Value) {
        move |m| {
            m["questions"]
                .as_array_mut()
                .expect("questions")
                .push(question)
        }
    }

    #[test]
    fn a_text_question_weighs_nothing_and_is_not_scored() {
        let mut value = valid();
        with_question(text_question(0, 2000))(&mut value);
        let model = parse(value);
        assert_eq!(model.check(), Ok(()));
        let text = model.question("t").expect("t");
        assert!(!text.is_scored());
        assert!(matches!(text.scale, Scale::Text { max_length: 2000 }));
        assert!(
            model
                .questions
                .iter()
                .filter(|q| q.id != "t")
                .all(Question::is_scored)
        );
    }

    #[test]
    fn check_names_each_broken_text_rule() {
        assert_eq!(
            problem(with_question(text_question(1, 2000))),
            "text question `t` has weight 1, not 0: a text answer is never scored"
        );
        assert_eq!(
            problem(with_question(text_question(0, 0))),
            "question `t`: a text's max_length 0 is not 1–10000"
        );
        assert!(
            problem(with_question(text_question(0, MAX_TEXT_LENGTH + 1))).contains("not 1–10000")
        );
        // A category of text questions alone could never be answered for a submission.
        let only_text = problem(|m| {
            m["categories"]
                .as_array_mut()
                .expect("categories")
                .push(json!({ "key": "b", "name": "B", "weight": 1, "rubric_category": "data" }));
            let mut text = text_question(0, 10);
            text["category"] = json!("b");
            with_question(text)(m);
        });
        assert_eq!(
            only_text,
            "category `b` has only text questions, which are never scored"
        );
        // Scored questions keep their rule: weight 0 is refused.
        assert_eq!(
            problem(|m| m["questions"][2]["weight"] = json!(0)),
            "question `q3` has weight 0"
        );
        let unknown = serde_json::from_value::<QuestionModel>({
            let mut value = valid();
            with_question(
                json!({ "id": "t", "category": "a", "text": "T", "weight": 0,
                "scale": { "type": "text", "max_length": 10, "min_length": 1 } }),
            )(&mut value);
            value
        });
        assert!(unknown.is_err(), "a text scale has no other fields");
    }

    #[test]
    fn check_names_each_broken_rule() {
        assert!(
            problem(|m| m["questions"][1]["category"] = json!("b")).contains("unknown category")
        );
        assert!(problem(|m| m["questions"][1]["id"] = json!("q1")).contains("appears twice"));
        assert!(problem(|m| m["questions"][0]["weight"] = json!(0)).contains("weight 0"));
        assert!(problem(|m| m["categories"][0]["weight"] = json!(0)).contains("weight 0"));
        assert!(problem(|m| m["questions"][0]["weight"] = json!(99)).contains("exceeds"));
        assert!(problem(|m| m["questions"][0]["scale"]["max"] = json!(1)).contains("is empty"));
        assert!(
            problem(|m| m["questions"][1]["scale"]["options"][1]["points"] = json!(5.5))
                .contains("not 0–5")
        );
        assert!(
            problem(|m| m["questions"][1]["scale"]["options"][1]["points"] = json!(2.125))
                .contains("not 0–5")
        );
        assert!(
            problem(|m| m["questions"][1]["scale"]["options"][1]["key"] = json!("x"))
                .contains("appears twice")
        );
        assert!(
            problem(|m| {
                m["categories"].as_array_mut().expect("categories").push(
                    json!({ "key": "b", "name": "B", "weight": 1, "rubric_category": "data" }),
                );
            })
            .contains("no questions")
        );
    }
}
