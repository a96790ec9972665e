//! Organisation analytics, computed in SQL by grouped statements for any number of
//! organisations: assessment counts and score aggregates with the last activity (two
//! statements), and, when asked for, completed assessments per month and the people who
//! perform high or low (one statement each).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::enums::{AssessmentStatus, AssessmentType, ScoreBracket};
use entity::{assessment_scores, assessments};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, Order, Query, SelectStatement, WindowStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, JoinType, QueryFilter,
    QuerySelect, QueryTrait, RelationTrait, Select,
};
use uuid::Uuid;

use super::consents;
use super::keys::any_of;
use super::read::{LoadError, Reader};
use super::scope::Scope;
use crate::domain::analytics::{HIGH_PERFORMER_MIN, LOW_PERFORMER_BELOW, Performance};
use crate::domain::consent;

/// One organisation's assessments, counted and scored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analytics {
    /// Assessments by (type, status).
    pub counts: Vec<(AssessmentType, AssessmentStatus, i64)>,
    /// Scores by (type, bracket): how many, and the sum of their overall scores.
    pub scores: Vec<(AssessmentType, ScoreBracket, i64, f64)>,
    /// When an assessment was last changed or completed; `None` without assessments.
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// The analytics of each of `organizations` the scope may read; others are absent.
pub async fn analytics(
    db: &impl ConnectionTrait,
    scope: &Scope,
    organizations: &[Uuid],
) -> Result<HashMap<Uuid, Analytics>, DbErr> {
    use assessments::Column as A;
    type Counted = (
        Uuid,
        AssessmentType,
        AssessmentStatus,
        i64,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
    );
    let counts: Vec<Counted> = assessments::Entity::find()
        .filter(scope.organizations(A::OrganizationId.into_expr()))
        .filter(counted_respondent())
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
        // Completion is stamped apart from the update time, so both are asked.
        .column_as(Expr::col(A::UpdatedAt).max(), "last_updated")
        .column_as(Expr::col(A::CompletedAt).max(), "last_completed")
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
            .filter(counted_respondent())
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
    for (organization, kind, status, count, updated, completed) in counts {
        if let Some(analytics) = by_organization.get_mut(&organization) {
            analytics.counts.push((kind, status, count));
            let latest = std::cmp::max(Some(updated), completed);
            analytics.last_activity_at = std::cmp::max(analytics.last_activity_at, latest);
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

/// The completed, scored assessments of the scope's organisations among `organizations`.
fn completed_scores(scope: &Scope, organizations: &[Uuid]) -> Select<assessment_scores::Entity> {
    use assessment_scores::Column as S;
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
        .filter(assessments::Column::Status.eq(AssessmentStatus::Completed))
        .filter(counted_respondent())
        .select_only()
}

/// Assessments of people who have not withdrawn their `analytics` consent: the others count
/// in no analytics (nor twin).
fn counted_respondent() -> Expr {
    Expr::col((assessments::Entity, assessments::Column::UserId))
        .not_in_subquery(consents::withdrawn(consent::ANALYTICS))
}

/// A column of `assessment_scores`, named with its table: the statements join `assessments`.
fn score_column(column: assessment_scores::Column) -> Expr {
    Expr::col((assessment_scores::Entity, column))
}

/// The month of a completion, `YYYY-MM` in UTC; each backend names it its own way.
fn completion_month(backend: DbBackend) -> Expr {
    Expr::cust(match backend {
        DbBackend::Postgres => {
            r#"to_char("assessments"."completed_at" AT TIME ZONE 'UTC', 'YYYY-MM')"#
        }
        _ => r#"strftime('%Y-%m', "assessments"."completed_at")"#,
    })
}

/// One month's completed assessments: how many, and the sums of their overall scores and
/// confidences.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthTotals {
    /// `YYYY-MM`, in UTC.
    pub month: String,
    pub completed: i64,
    pub score_sum: f64,
    pub confidence_sum: f64,
}

/// An organisation's completed assessments per month, from `since` on, earliest month first;
/// months without any are absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MonthlyOf {
    pub organization: Uuid,
    pub since: DateTime<Utc>,
}

impl Loader<MonthlyOf> for Reader {
    type Value = Arc<[MonthTotals]>;
    type Error = LoadError;

    async fn load(&self, keys: &[MonthlyOf]) -> Result<HashMap<MonthlyOf, Self::Value>, LoadError> {
        use assessment_scores::Column as S;
        let mut found = HashMap::with_capacity(keys.len());
        for (since, organizations) in grouped(keys, |key| (key.since, key.organization)) {
            let month = completion_month(self.backend());
            let rows: Vec<(Uuid, String, i64, f64, f64)> =
                completed_scores(self.scope(), &organizations)
                    .filter(assessments::Column::CompletedAt.gte(since))
                    .column(S::OrganizationId)
                    .column_as(month.clone(), "month")
                    .column_as(score_column(S::Id).count(), "completed")
                    .column_as(
                        score_column(S::OverallScore)
                            .sum()
                            .cast_as("DOUBLE PRECISION"),
                        "score_sum",
                    )
                    .column_as(
                        score_column(S::Confidence)
                            .sum()
                            .cast_as("DOUBLE PRECISION"),
                        "confidence_sum",
                    )
                    .group_by(S::OrganizationId)
                    .group_by(month)
                    .into_tuple()
                    .all(self.db())
                    .await?;
            let mut by_organization: HashMap<Uuid, Vec<MonthTotals>> = HashMap::new();
            for (organization, month, completed, score_sum, confidence_sum) in rows {
                by_organization
                    .entry(organization)
                    .or_default()
                    .push(MonthTotals {
                        month,
                        completed,
                        score_sum,
                        confidence_sum,
                    });
            }
            for organization in organizations {
                let mut months = by_organization.remove(&organization).unwrap_or_default();
                months.sort_by(|one, other| one.month.cmp(&other.month));
                found.insert(
                    MonthlyOf {
                        organization,
                        since,
                    },
                    months.into(),
                );
            }
        }
        Ok(found)
    }
}

/// One person's completed assessments in an organisation: how many, and their mean overall
/// score rounded to two decimals.
#[derive(Debug, Clone, PartialEq)]
pub struct Performer {
    pub user_id: Uuid,
    pub assessments: i64,
    pub average_score: f64,
}

/// The first `first` people of an organisation who perform as `performance` says: high
/// performers best first, low performers worst first (then by more assessments, then by the person's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PerformersOf {
    pub organization: Uuid,
    pub performance: Performance,
    pub first: u64,
}

const RANKED: &str = "ranked";
const PLACE: &str = "place";

/// The statement of [`PerformersOf`] for `organizations`: people grouped per organisation,
/// kept by their band, numbered per organisation, cut after `first` in SQL.
fn performers(
    scope: &Scope,
    organizations: &[Uuid],
    performance: Performance,
    first: u64,
) -> SelectStatement {
    use assessment_scores::Column as S;
    let person = Expr::col((assessments::Entity, assessments::Column::UserId));
    let count = score_column(S::Id).count();
    // Rounded as shown, so that a person shown 4.00 is a high performer on either backend;
    // the precision is a constant, which PostgreSQL's round(numeric, int) needs typed.
    let average = Expr::from(Func::round_with_precision(
        Func::avg(score_column(S::OverallScore)),
        Expr::Constant(2.into()),
    ))
    .cast_as("DOUBLE PRECISION");
    let (band, order) = match performance {
        Performance::High => (average.clone().gte(HIGH_PERFORMER_MIN), Order::Desc),
        Performance::Low => (average.clone().lt(LOW_PERFORMER_BELOW), Order::Asc),
    };
    let mut ranked = completed_scores(scope, organizations)
        .column(S::OrganizationId)
        .column_as(person.clone(), "user_id")
        .column_as(count.clone(), "assessments")
        .column_as(average.clone(), "average_score")
        .group_by(S::OrganizationId)
        .group_by(person.clone())
        .having(band)
        .into_query();
    ranked.expr_window_as(
        Func::cust("ROW_NUMBER"),
        WindowStatement::partition_by((assessment_scores::Entity, S::OrganizationId))
            .order_by_expr(average, order)
            .order_by_expr(count, Order::Desc)
            .order_by_expr(person, Order::Asc)
            .to_owned(),
        Alias::new(PLACE),
    );
    let column = |name: &str| Expr::col((Alias::new(RANKED), Alias::new(name)));
    Query::select()
        .exprs(["organization_id", "user_id", "assessments", "average_score"].map(column))
        .from_subquery(ranked, Alias::new(RANKED))
        .and_where(column(PLACE).lte(first))
        .order_by_expr(column("organization_id"), Order::Asc)
        .order_by_expr(column(PLACE), Order::Asc)
        .to_owned()
}

impl Loader<PerformersOf> for Reader {
    type Value = Arc<[Performer]>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PerformersOf],
    ) -> Result<HashMap<PerformersOf, Self::Value>, LoadError> {
        let mut found = HashMap::with_capacity(keys.len());
        let groups = grouped(keys, |key| ((key.performance, key.first), key.organization));
        for ((performance, first), organizations) in groups {
            let statement = performers(self.scope(), &organizations, performance, first);
            let rows = self
                .db()
                .query_all_raw(self.backend().build(&statement))
                .await?;
            let mut by_organization: HashMap<Uuid, Vec<Performer>> = HashMap::new();
            for row in rows {
                let organization: Uuid = row.try_get_by_index(0)?;
                by_organization
                    .entry(organization)
                    .or_default()
                    .push(Performer {
                        user_id: row.try_get_by_index(1)?,
                        assessments: row.try_get_by_index(2)?,
                        average_score: row.try_get_by_index(3)?,
                    });
            }
            for organization in organizations {
                let people = by_organization.remove(&organization).unwrap_or_default();
                let key = PerformersOf {
                    organization,
                    performance,
                    first,
                };
                found.insert(key, people.into());
            }
        }
        Ok(found)
    }
}

/// Keys split by what their statement shares (`split` gives it and the key's organisation):
/// one statement per group.
fn grouped<K, G: Eq + std::hash::Hash>(
    keys: &[K],
    split: impl Fn(&K) -> (G, Uuid),
) -> HashMap<G, Vec<Uuid>> {
    let mut groups: HashMap<G, Vec<Uuid>> = HashMap::new();
    for key in keys {
        let (group, organization) = split(key);
        groups.entry(group).or_default().push(organization);
    }
    groups
}
