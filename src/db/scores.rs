//! `assessment_scores`: the one score of a completed assessment, visible to the members of its
//! organisation. Its documents (category scores, advice, insights, SWOT) are read only by the fields
//! that show them ([`ScoreDocumentsKey`]).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::assessment_scores;
use entity::enums::ScoreBracket;
use rust_decimal::Decimal;
use serde_json::Value as Json;
use uuid::Uuid;

use super::read::{LoadError, Reader, Tenancy, Unjoined};

crate::row! {
    /// A score without its documents.
    pub struct Score of assessment_scores {
        pub id: Uuid,
        pub assessment_id: Uuid,
        pub organization_id: Uuid,
        pub overall_score: Decimal,
        pub bracket: ScoreBracket,
        pub confidence: Decimal,
        pub maturity_level: i16,
        pub ai_readiness_score: Option<Decimal>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

impl Unjoined for Score {
    fn tenancy() -> Tenancy<assessment_scores::Entity> {
        Tenancy::Organization(assessment_scores::Column::OrganizationId)
    }
}

/// A score by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScoreKey(pub Uuid);

impl Loader<ScoreKey> for Reader {
    type Value = Arc<Score>;
    type Error = LoadError;

    async fn load(&self, keys: &[ScoreKey]) -> Result<HashMap<ScoreKey, Arc<Score>>, LoadError> {
        self.lookup(
            assessment_scores::Column::Id,
            keys,
            |key| (key.0, ()),
            |score: &Score, ()| ScoreKey(score.id),
        )
        .await
    }
}

/// The score of an assessment, by the assessment's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScoreOfAssessment(pub Uuid);

impl Loader<ScoreOfAssessment> for Reader {
    type Value = Arc<Score>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ScoreOfAssessment],
    ) -> Result<HashMap<ScoreOfAssessment, Arc<Score>>, LoadError> {
        self.lookup(
            assessment_scores::Column::AssessmentId,
            keys,
            |key| (key.0, ()),
            |score: &Score, ()| ScoreOfAssessment(score.assessment_id),
        )
        .await
    }
}

crate::row! {
    /// A score's documents.
    pub struct ScoreDocuments of assessment_scores {
        pub id: Uuid,
        pub category_scores: Json,
        pub recommendations: Json,
        pub next_steps: Json,
        pub insights: Option<String>,
        pub swot: Option<Json>,
    }
}

impl Unjoined for ScoreDocuments {
    fn tenancy() -> Tenancy<assessment_scores::Entity> {
        <Score as Unjoined>::tenancy()
    }
}

/// The documents of a score, by the score's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScoreDocumentsKey(pub Uuid);

impl Loader<ScoreDocumentsKey> for Reader {
    type Value = Arc<ScoreDocuments>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ScoreDocumentsKey],
    ) -> Result<HashMap<ScoreDocumentsKey, Self::Value>, LoadError> {
        self.lookup(
            assessment_scores::Column::Id,
            keys,
            |key| (key.0, ()),
            |documents: &ScoreDocuments, ()| ScoreDocumentsKey(documents.id),
        )
        .await
    }
}
