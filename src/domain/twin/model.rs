//! The twin model: how assessments roll up into an organisation's twin, as data, versioned like
//! the question models (`model.v1.0.json`).

use std::collections::HashMap;
use std::sync::OnceLock;

use entity::enums::AssessmentType;
use rust_decimal::Decimal;
use sea_orm::Iterable;
use serde::Deserialize;

use crate::domain::scoring::{Question, RubricCategory, question_models};

/// The version of the twin model every recomputation uses.
pub const TWIN_MODEL_VERSION: &str = "1.0";

/// How assessments roll up: weights, dimensions, AI readiness signals and inventories.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwinModel {
    pub version: String,
    /// The factor a low-confidence score's weight is multiplied by.
    pub low_confidence_weight: Decimal,
    /// How much one assessment of each type weighs in the maturity score.
    pub assessment_weights: HashMap<AssessmentType, u32>,
    /// The dimensions of the twin, in display order.
    pub dimensions: Vec<Dimension>,
    /// Per assessment type: question-model category key → dimension key.
    pub category_dimensions: HashMap<AssessmentType, HashMap<String, String>>,
    /// The AI readiness signal groups (technology, organisational, cultural).
    pub ai_readiness: Vec<SignalGroup>,
    pub technology_inventory: Vec<InventoryItem>,
    pub skills_inventory: Vec<InventoryItem>,
}

/// One dimension of the twin.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub key: String,
    pub name: String,
    /// The rubric category whose advice closes a gap in this dimension.
    pub rubric_category: RubricCategory,
}

/// A group of AI readiness signals and its weight in the readiness score.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalGroup {
    pub key: String,
    pub name: String,
    pub weight: u32,
    pub signals: Vec<Signal>,
}

/// One AI readiness signal: an answer to one question, weighted within its group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    pub key: String,
    pub name: String,
    pub weight: u32,
    pub assessment_type: AssessmentType,
    pub question: String,
}

/// One inventory entry: what the answers to one question say the organisation has.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryItem {
    pub key: String,
    pub name: String,
    pub assessment_type: AssessmentType,
    pub question: String,
}

/// The twin model in use.
pub fn twin_model() -> &'static TwinModel {
    static MODEL: OnceLock<TwinModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        let model: TwinModel =
            serde_json::from_str(include_str!("model.v1.0.json")).expect("the twin model parses");
        if let Err(problem) = model.check() {
            panic!("the twin model is inconsistent: {problem}");
        }
        model
    })
}

impl TwinModel {
    /// The weight of one assessment of a type; a type the model forgot weighs 1.
    pub fn assessment_weight(&self, assessment_type: AssessmentType) -> u32 {
        self.assessment_weights
            .get(&assessment_type)
            .copied()
            .unwrap_or(1)
    }

    /// The dimension a question-model category counts towards.
    pub fn dimension_of(&self, assessment_type: AssessmentType, category: &str) -> Option<&str> {
        self.category_dimensions
            .get(&assessment_type)?
            .get(category)
            .map(String::as_str)
    }

    /// The dimension with this key.
    pub fn dimension(&self, key: &str) -> Option<&Dimension> {
        self.dimensions
            .iter()
            .find(|dimension| dimension.key == key)
    }

    /// Every assessment type weighed, every category of every question model mapped onto a
    /// dimension of this model, every signal and inventory item a scored question of its type.
    pub fn check(&self) -> Result<(), String> {
        if self.version != TWIN_MODEL_VERSION {
            return Err(format!(
                "version {} is not {TWIN_MODEL_VERSION}",
                self.version
            ));
        }
        if let Some(missing) =
            AssessmentType::iter().find(|kind| !self.assessment_weights.contains_key(kind))
        {
            return Err(format!("no weight for {}", missing.as_str()));
        }
        for question_model in question_models() {
            for category in &question_model.categories {
                let dimension = self
                    .dimension_of(question_model.assessment_type, &category.key)
                    .ok_or_else(|| {
                        format!(
                            "{} category `{}` has no dimension",
                            question_model.assessment_type.as_str(),
                            category.key
                        )
                    })?;
                if self.dimension(dimension).is_none() {
                    return Err(format!("`{dimension}` is not a dimension"));
                }
            }
        }
        let sources = self
            .ai_readiness
            .iter()
            .flat_map(|group| &group.signals)
            .map(|signal| (signal.assessment_type, &signal.question))
            .chain(
                self.technology_inventory
                    .iter()
                    .chain(&self.skills_inventory)
                    .map(|item| (item.assessment_type, &item.question)),
            );
        for (assessment_type, question) in sources {
            let Some(source) = source_question(assessment_type, question) else {
                return Err(format!(
                    "{} has no question `{question}`",
                    assessment_type.as_str()
                ));
            };
            // Free text is worth no points and may name people: it feeds nothing in the twin.
            if !source.is_scored() {
                return Err(format!(
                    "{} question `{question}` is free text, which is never scored",
                    assessment_type.as_str()
                ));
            }
        }
        Ok(())
    }
}

/// The question of the current version of a type's questionnaire that a signal or item reads.
pub fn source_question(assessment_type: AssessmentType, id: &str) -> Option<&'static Question> {
    question_models()
        .iter()
        .filter(|model| model.assessment_type == assessment_type)
        .find_map(|model| model.question(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_twin_model_maps_every_category_and_reads_real_questions() {
        assert_eq!(twin_model().check(), Ok(()));
    }

    #[test]
    fn an_unmapped_category_is_named() {
        let mut model = twin_model().clone();
        model
            .category_dimensions
            .get_mut(&AssessmentType::Bpm)
            .expect("bpm is mapped")
            .remove("automation");
        assert_eq!(
            model.check(),
            Err("bpm category `automation` has no dimension".to_owned())
        );
    }

    #[test]
    fn a_signal_on_a_missing_question_is_named() {
        let mut model = twin_model().clone();
        model.ai_readiness[0].signals[0].question = "telepathy".into();
        assert_eq!(
            model.check(),
            Err("digital_transformation has no question `telepathy`".to_owned())
        );
    }

    #[test]
    fn a_signal_or_item_on_a_text_question_is_refused() {
        let mut model = twin_model().clone();
        model.technology_inventory[0].question = "comments".into();
        assert_eq!(
            model.check(),
            Err("tech_stack question `comments` is free text, which is never scored".to_owned())
        );
        let mut model = twin_model().clone();
        model.ai_readiness[0].signals[0].question = "comments".into();
        assert_eq!(
            model.check(),
            Err(
                "digital_transformation question `comments` is free text, which is never scored"
                    .to_owned()
            )
        );
    }
}
