//! `OrganizationAnalytics`: an organisation's assessments counted and scored, for dashboards.

use async_graphql::{Object, SimpleObject};

use crate::domain::analytics::Summary;
use crate::graphql::enums::{AssessmentStatus, AssessmentType, ScoreBracket};

/// Assessment counts and score aggregates of one organisation.
pub struct OrganizationAnalytics(pub Summary);

/// How many assessments are in one state.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// The state.
    pub status: AssessmentStatus,
    /// How many assessments are in it.
    pub count: i64,
}

/// One assessment type's figures.
#[derive(SimpleObject)]
pub struct AssessmentTypeAnalytics {
    /// The type.
    pub assessment_type: AssessmentType,
    /// How many assessments of this type exist.
    pub count: i64,
    /// How many of them are scored.
    pub scored_count: i64,
    /// Their mean overall score (0–5, two decimals); `null` when none is scored.
    pub average_score: Option<f64>,
}

/// How many scores fall in one bracket.
#[derive(SimpleObject)]
pub struct BracketCount {
    /// The bracket.
    pub bracket: ScoreBracket,
    /// How many scores fall in it.
    pub count: i64,
}

#[Object]
impl OrganizationAnalytics {
    /// Every assessment, whatever its state.
    async fn assessment_count(&self) -> i64 {
        self.0.assessment_count
    }

    /// Assessments with a score.
    async fn scored_count(&self) -> i64 {
        self.0.scored
    }

    /// The mean overall score of every scored assessment (0–5, two decimals).
    async fn average_score(&self) -> Option<f64> {
        self.0.average_score
    }

    /// Assessments per state, every state listed.
    async fn by_status(&self) -> Vec<StatusCount> {
        self.0
            .by_status
            .iter()
            .map(|&(status, count)| StatusCount {
                status: status.into(),
                count,
            })
            .collect()
    }

    /// Figures per assessment type, for the types in use.
    async fn by_type(&self) -> Vec<AssessmentTypeAnalytics> {
        self.0
            .by_type
            .iter()
            .map(|summary| AssessmentTypeAnalytics {
                assessment_type: summary.assessment_type.into(),
                count: summary.count,
                scored_count: summary.scored,
                average_score: summary.average_score,
            })
            .collect()
    }

    /// How the scores spread over the nine brackets, lowest first.
    async fn brackets(&self) -> Vec<BracketCount> {
        self.0
            .brackets
            .iter()
            .map(|&(bracket, count)| BracketCount {
                bracket: bracket.into(),
                count,
            })
            .collect()
    }
}
