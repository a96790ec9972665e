//! The digital twin: an organisation's scored assessments rolled up into one explained picture
//! (maturity, dimensions, AI readiness, inventories), and the gaps to a target level. Plain
//! Rust: the services read the inputs and store the result.

mod aggregate;
mod gaps;
mod model;

#[cfg(test)]
mod tests;

pub use aggregate::{
    CountedType, DimensionContribution, DimensionScore, GroupScore, InventoryEntry,
    ScoredAssessment, SignalScore, TwinState, aggregate, assessment_ai_readiness,
};
pub use gaps::{Gap, GapAnalysis, Step, UnknownLevel, gap_analysis};
pub use model::{TWIN_MODEL_VERSION, TwinModel, twin_model};
