//! `assessments`: one person's answers to one assessment of one organisation, visible to the
//! members of that organisation, listed per organisation and per person. The score and the
//! respondent come with an assessment when asked for; the answers are read only by the field
//! that shows them ([`ResponsesKey`]).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::enums::{AssessmentStatus, AssessmentType};
use entity::{assessment_scores, assessments, users};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, Condition, DbErr, QueryFilter, QueryResult, QueryTrait, Select};
use serde_json::Value as Json;
use uuid::Uuid;

use super::paging::{CursorValue, ListFilter, Listed, Parent, SortKey, TimeRange, ValueKind};
use super::read::{
    Columns, Joined, LoadError, Read, Reader, Tenancy, Unjoined, join_row, join_row_with, joined_at,
};
use super::scope::Scope;
use super::scores::Score;
use super::users::User;

crate::row! {
    /// An assessment without its answers.
    pub struct AssessmentRow of assessments {
        pub id: Uuid,
        pub organization_id: Uuid,
        pub user_id: Uuid,
        pub assessment_type: AssessmentType,
        pub version: String,
        pub status: AssessmentStatus,
        pub completed_at: Option<DateTime<Utc>>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

/// An assessment, with its score and respondent when the read joined them.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub row: AssessmentRow,
    pub score: Joined<Score>,
    pub respondent: Joined<User>,
}

impl From<&assessments::Model> for Assessment {
    fn from(row: &assessments::Model) -> Self {
        Self {
            row: row.into(),
            score: Joined::NotRead,
            respondent: Joined::NotRead,
        }
    }
}

/// Which to-one rows a read of assessments joins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AssessmentJoins {
    pub score: bool,
    pub respondent: bool,
}

/// The columns of a joined score and of a joined respondent.
const SCORE: &str = "score__";
const RESPONDENT: &str = "respondent__";

impl Read for Assessment {
    type Entity = assessments::Entity;
    type Joins = AssessmentJoins;

    fn tenancy() -> Tenancy<assessments::Entity> {
        Tenancy::Organization(assessments::Column::OrganizationId)
    }

    fn columns(
        select: Select<assessments::Entity>,
        scope: &Scope,
        joins: AssessmentJoins,
    ) -> Select<assessments::Entity> {
        let mut select = AssessmentRow::select(select, "");
        if joins.score {
            // The foreign key (assessment_id, organization_id) keeps a score in its
            // assessment's organisation, so a visible assessment's score is visible.
            let on = Condition::all().add(
                assessment_scores::Column::AssessmentId
                    .into_expr()
                    .equals((assessments::Entity, assessments::Column::Id)),
            );
            select = join_row::<_, Score>(select, on, SCORE);
        }
        if joins.respondent {
            // A respondent follows the rules for people: one who left every organisation the
            // viewer shares with them is no longer visible.
            let on = User::visible(scope).add(
                users::Column::Id
                    .into_expr()
                    .equals((assessments::Entity, assessments::Column::UserId)),
            );
            select = join_row_with(select, users::Entity, on, |select| {
                User::columns_as(select, scope, RESPONDENT)
            });
        }
        select
    }

    fn decode(row: &QueryResult, joins: AssessmentJoins) -> Result<Self, DbErr> {
        let mut next = AssessmentRow::WIDTH;
        let mut score = Joined::NotRead;
        if joins.score {
            score = Joined::Read(joined_at::<Score>(row, next)?);
            next += Score::WIDTH;
        }
        Ok(Self {
            row: AssessmentRow::read_at(row, 0)?,
            score,
            respondent: User::joined_at(row, joins.respondent, next)?,
        })
    }
}

/// An assessment by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssessmentKey(pub Uuid, pub AssessmentJoins);

impl Loader<AssessmentKey> for Reader {
    type Value = Arc<Assessment>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AssessmentKey],
    ) -> Result<HashMap<AssessmentKey, Self::Value>, LoadError> {
        self.lookup(
            assessments::Column::Id,
            keys,
            |key| (key.0, key.1),
            |assessment: &Assessment, joins| AssessmentKey(assessment.row.id, joins),
        )
        .await
    }
}

/// Whose assessments a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssessmentsOf {
    Organization(Uuid),
    /// The person who answered them.
    User(Uuid),
}

impl Parent for AssessmentsOf {
    type Row = Assessment;

    fn column(self) -> assessments::Column {
        match self {
            Self::Organization(_) => assessments::Column::OrganizationId,
            Self::User(_) => assessments::Column::UserId,
        }
    }

    fn id(self) -> Uuid {
        match self {
            Self::Organization(id) | Self::User(id) => id,
        }
    }

    fn id_of(self, assessment: &Assessment) -> Uuid {
        match self {
            Self::Organization(_) => assessment.row.organization_id,
            Self::User(_) => assessment.row.user_id,
        }
    }
}

impl Listed for Assessment {
    type Filter = AssessmentFilter;
    type Sort = AssessmentSort;
    const KEY_KIND: ValueKind = ValueKind::Uuid;

    fn key(&self) -> CursorValue {
        CursorValue::Uuid(self.row.id)
    }
}

/// How assessments are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssessmentSort {
    CreatedAt,
    UpdatedAt,
}

impl SortKey<Assessment> for AssessmentSort {
    fn column(self) -> assessments::Column {
        match self {
            Self::CreatedAt => assessments::Column::CreatedAt,
            Self::UpdatedAt => assessments::Column::UpdatedAt,
        }
    }

    fn kind(self) -> ValueKind {
        ValueKind::Time
    }

    fn value(self, assessment: &Assessment) -> CursorValue {
        CursorValue::Time(match self {
            Self::CreatedAt => assessment.row.created_at,
            Self::UpdatedAt => assessment.row.updated_at,
        })
    }
}

/// Which assessments to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AssessmentFilter {
    pub types: Option<Vec<AssessmentType>>,
    pub statuses: Option<Vec<AssessmentStatus>>,
    pub created: TimeRange,
    pub respondent: Option<Uuid>,
    pub organization: Option<Uuid>,
}

impl ListFilter<assessments::Entity> for AssessmentFilter {
    fn apply(&self, select: Select<assessments::Entity>) -> Select<assessments::Entity> {
        use assessments::Column;
        let select = select
            .apply_if(self.types.clone(), |select, types| {
                select.filter(Column::AssessmentType.is_in(types))
            })
            .apply_if(self.statuses.clone(), |select, statuses| {
                select.filter(Column::Status.is_in(statuses))
            })
            .apply_if(self.respondent, |select, user| {
                select.filter(Column::UserId.eq(user))
            })
            .apply_if(self.organization, |select, organization| {
                select.filter(Column::OrganizationId.eq(organization))
            });
        self.created.apply(select, Column::CreatedAt)
    }
}

crate::row! {
    /// An assessment's answers.
    pub struct Responses of assessments {
        pub id: Uuid,
        pub responses: Json,
    }
}

impl Unjoined for Responses {
    fn tenancy() -> Tenancy<assessments::Entity> {
        <Assessment as Read>::tenancy()
    }
}

/// The answers of an assessment, by the assessment's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResponsesKey(pub Uuid);

impl Loader<ResponsesKey> for Reader {
    type Value = Arc<Responses>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ResponsesKey],
    ) -> Result<HashMap<ResponsesKey, Self::Value>, LoadError> {
        self.lookup(
            assessments::Column::Id,
            keys,
            |key| (key.0, ()),
            |responses: &Responses, ()| ResponsesKey(responses.id),
        )
        .await
    }
}
