//! Organisation analytics: assessment counts and score aggregates, computed in SQL with two
//! grouped statements for any number of organisations.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::enums::{AssessmentStatus, AssessmentType, ScoreBracket};
use entity::{assessment_scores, assessments};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationTrait,
};
use uuid::Uuid;

use super::keys::any_of;
use super::read::{LoadError, Reader};
use super::scope::Scope;

/// One organisation's assessments, counted and scored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analytics {
    /// Assessments by (type, status).
    pub counts: Vec<(AssessmentType, AssessmentStatus, i64)>,
    /// Scores by (type, bracket): how many, and the sum of their overall scores.
    pub scores: Vec<(AssessmentType, ScoreBracket, i64, f64)>,
}

/// The analytics of each of `organizations` the scope may read; others are absent.
pub async fn analytics(
    db: &impl ConnectionTrait,
    scope: &Scope,
    organizations: &[Uuid],
) -> Result<HashMap<Uuid, Analytics>, DbErr> {
    use assessments::Column as A;
    let counts: Vec<(Uuid, AssessmentType, AssessmentStatus, i64)> = assessments::Entity::find()
        .filter(scope.organizations(A::OrganizationId.into_expr()))
        .filter(any_of(
            scope.backend(),
            A::OrganizationId.into_expr(),
            organizations.iter().copied(),
        ))
        .select_only()
        .column(A::OrganizationId)
        .column(A::AssessmentType)
        .column(A::Status)
        .column_as(Expr::col(A::Id).count(), "total")
        .group_by(A::OrganizationId)
        .group_by(A::AssessmentType)
        .group_by(A::Status)
        .into_tuple()
        .all(db)
        .await?;
    use assessment_scores::Column as S;
    let scores: Vec<(Uuid, AssessmentType, ScoreBracket, i64, f64)> =
        assessment_scores::Entity::find()
            .filter(scope.organizations(S::OrganizationId.into_expr()))
            .filter(any_of(
                scope.backend(),
                S::OrganizationId.into_expr(),
                organizations.iter().copied(),
            ))
            .join(
                JoinType::InnerJoin,
                assessment_scores::Relation::Assessment.def(),
            )
            .select_only()
            .column(S::OrganizationId)
            .column(A::AssessmentType)
            .column(S::Bracket)
            .column_as(
                Expr::col((assessment_scores::Entity, S::Id)).count(),
                "total",
            )
            // A double on both backends, whatever the decimal's storage.
            .column_as(
                Expr::col((assessment_scores::Entity, S::OverallScore))
                    .sum()
                    .cast_as("DOUBLE PRECISION"),
                "score_sum",
            )
            .group_by(S::OrganizationId)
            .group_by(A::AssessmentType)
            .group_by(S::Bracket)
            .into_tuple()
            .all(db)
            .await?;
    let mut by_organization: HashMap<Uuid, Analytics> = organizations
        .iter()
        .map(|id| (*id, Analytics::default()))
        .collect();
    for (organization, kind, status, count) in counts {
        if let Some(analytics) = by_organization.get_mut(&organization) {
            analytics.counts.push((kind, status, count));
        }
    }
    for (organization, kind, bracket, count, sum) in scores {
        if let Some(analytics) = by_organization.get_mut(&organization) {
            analytics.scores.push((kind, bracket, count, sum));
        }
    }
    Ok(by_organization)
}

/// The assessment analytics of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnalyticsOf(pub Uuid);

impl Loader<AnalyticsOf> for Reader {
    type Value = Arc<Analytics>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AnalyticsOf],
    ) -> Result<HashMap<AnalyticsOf, Self::Value>, LoadError> {
        let organizations: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let mut found = analytics(self.db(), self.scope(), &organizations).await?;
        Ok(keys
            .iter()
            .map(|key| (*key, Arc::new(found.remove(&key.0).unwrap_or_default())))
            .collect())
    }
}
