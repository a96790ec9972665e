//! `Organization`: a tenant, and the root of everything it owns.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Lookahead, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::MemberRole as StoredRole;

use super::data_request::{self, DataRequest};
use super::{
    Assessment, AuditEntry, DigitalTwin, Invitation, Membership, OrganizationAnalytics,
    OrganizationBenchmark, User, joined_or_load, load,
};
use crate::db::analytics::AnalyticsOf;
use crate::db::assessments::{AssessmentSort, AssessmentsOf};
use crate::db::audit::{AuditOf, AuditSort};
use crate::db::benchmarks::PositionOfOrganization;
use crate::db::consents;
use crate::db::invitations::{InvitationSort, InvitationsOf};
use crate::db::memberships::{MemberSort, MembersOf};
use crate::db::organizations::{self, OrganizationJoins};
use crate::db::paging::Sort;
use crate::db::twins::TwinOfOrganization;
use crate::db::users::UserKey;
use crate::domain::analytics;
use crate::domain::consent;
use crate::error::AppError;
use crate::graphql::connection::{PageArgs, Paged, child_connection, complexity};
use crate::graphql::enums::{CompanySize, MemberRole, OrganizationStatus};
use crate::graphql::guards::{OrganizationRole, db, feeds, viewer};
use crate::graphql::id::NodeKind;
use crate::graphql::inputs::{
    AssessmentFilterInput, AssessmentOrder, AuditEntryOrder, AuditFilterInput,
    InvitationFilterInput, InvitationOrder, MembershipFilterInput, MembershipOrder,
};

/// Newest first.
pub const NEWEST_ASSESSMENTS: Sort<AssessmentSort> = Sort {
    key: AssessmentSort::CreatedAt,
    descending: true,
};

/// A company on the platform: its people, their assessments and its digital twin.
pub struct Organization(pub Arc<organizations::Organization>);

impl Organization {
    /// The to-one rows a selection of an organisation's fields shows.
    pub fn joins(selection: &Lookahead<'_>) -> OrganizationJoins {
        OrganizationJoins {
            twin: selection.field("digitalTwin").exists(),
        }
    }
}

impl From<entity::organizations::Model> for Organization {
    fn from(row: entity::organizations::Model) -> Self {
        Self(Arc::new((&row).into()))
    }
}

/// A company on the platform (a tenant): its people, their assessments, analytics, benchmark
/// and digital twin. Only its members (any role) and platform admins can read it; to anyone
/// else it does not exist (`null` / `NOT_FOUND`, as for an ID never issued).
#[Object(guard = "OrganizationRole::member_of(self.0.row.id)")]
impl Organization {
    /// The organisation's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::Organization.id(self.0.row.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.row.name
    }

    /// Unique, URL-safe name.
    async fn slug(&self) -> &str {
        &self.0.row.slug
    }

    /// The industry the organisation declares.
    async fn industry(&self) -> Option<&str> {
        self.0.row.industry.as_deref()
    }

    /// The headcount band the organisation declares.
    async fn company_size(&self) -> Option<CompanySize> {
        self.0.row.company_size.map(Into::into)
    }

    /// Where the organisation stands.
    async fn status(&self) -> OrganizationStatus {
        self.0.row.status.into()
    }

    /// Organisation-wide settings, as stored.
    async fn settings(&self) -> Json<serde_json::Value> {
        super::json(&self.0.row.settings)
    }

    /// When the organisation was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }

    /// When the organisation last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.row.updated_at
    }

    /// The viewer's own role here; `null` for a platform admin who is not a member.
    async fn viewer_role(&self, ctx: &Context<'_>) -> Result<Option<MemberRole>> {
        Ok(viewer(ctx)
            .await?
            .role_in(self.0.row.id)
            .map(MemberRole::from))
    }

    /// The organisation's memberships, earliest joined first unless `orderBy` says otherwise.
    #[graphql(complexity = "complexity(first, last, child_complexity)")]
    #[allow(
        clippy::too_many_arguments,
        reason = "Relay paging arguments, filter and order"
    )]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many rows from the start, or after `after`.")] first: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "How many rows from the end, or before `before`.")] last: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page ends before it.")] before: Option<String>,
        #[graphql(desc = "Which rows; all by default.")] filter: Option<MembershipFilterInput>,
        #[graphql(desc = "Sort; earliest first by default.")] order_by: Option<MembershipOrder>,
    ) -> Result<Paged<Membership>> {
        let sort = MembershipOrder::sort(order_by, EARLIEST_MEMBERS);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into();
        let of = MembersOf::Organization(self.0.row.id);
        child_connection(ctx, of, filter, sort, args, Membership::joins, Membership).await
    }

    /// The organisation's assessments, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "complexity(first, last, child_complexity)")]
    #[allow(
        clippy::too_many_arguments,
        reason = "Relay paging arguments, filter and order"
    )]
    async fn assessments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many rows from the start, or after `after`.")] first: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "How many rows from the end, or before `before`.")] last: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page ends before it.")] before: Option<String>,
        #[graphql(desc = "Which rows; all by default.")] filter: Option<AssessmentFilterInput>,
        #[graphql(desc = "Sort; newest first by default.")] order_by: Option<AssessmentOrder>,
    ) -> Result<Paged<Assessment>> {
        let sort = AssessmentOrder::sort(order_by, NEWEST_ASSESSMENTS);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into_filter()?;
        let of = AssessmentsOf::Organization(self.0.row.id);
        child_connection(ctx, of, filter, sort, args, Assessment::joins, Assessment).await
    }

    /// Assessment counts and score aggregates, for dashboards.
    async fn analytics(&self, ctx: &Context<'_>) -> Result<OrganizationAnalytics> {
        let loaded = load(ctx, AnalyticsOf(self.0.row.id))
            .await?
            .unwrap_or_default();
        Ok(OrganizationAnalytics {
            organization_id: self.0.row.id,
            summary: analytics::summarize(&loaded.counts, &loaded.scores),
            last_activity_at: loaded.last_activity_at,
        })
    }

    /// A resume token as of this read: pass it to a subscription to receive, first, everything
    /// that happened in the organisation after it (a dashboard reads its data and this token
    /// together, then subscribes, and misses nothing in between). Opaque.
    async fn resume_token(&self, ctx: &Context<'_>) -> Result<String> {
        let token = feeds(ctx)?.token_now(db(ctx)?, self.0.row.id).await;
        Ok(token.map_err(AppError::from)?)
    }

    /// The organisation's digital twin, once its first assessment has been scored.
    async fn digital_twin(&self, ctx: &Context<'_>) -> Result<Option<DigitalTwin>> {
        let twin = joined_or_load(ctx, &self.0.twin, TwinOfOrganization(self.0.row.id)).await?;
        Ok(twin.map(DigitalTwin))
    }

    /// Where the organisation stands among the organisations of its industry and size, as of
    /// the last refresh of the benchmarks; `null` before the first.
    async fn benchmark(&self, ctx: &Context<'_>) -> Result<Option<OrganizationBenchmark>> {
        let position = load(ctx, PositionOfOrganization(self.0.row.id)).await?;
        Ok(position.map(OrganizationBenchmark))
    }

    /// Who changed what, newest first; owners and admins only.
    #[graphql(
        guard = "OrganizationRole::at_least(StoredRole::Admin, self.0.row.id)",
        complexity = "complexity(first, last, child_complexity)"
    )]
    #[allow(
        clippy::too_many_arguments,
        reason = "Relay paging arguments, filter and order"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many rows from the start, or after `after`.")] first: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "How many rows from the end, or before `before`.")] last: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page ends before it.")] before: Option<String>,
        #[graphql(desc = "Which rows; all by default.")] filter: Option<AuditFilterInput>,
        #[graphql(desc = "Sort; newest first by default.")] order_by: Option<AuditEntryOrder>,
    ) -> Result<Option<Paged<AuditEntry>>> {
        let sort = AuditEntryOrder::sort(order_by, NEWEST_AUDIT_ENTRIES);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into_filter()?;
        let of = AuditOf(self.0.row.id);
        child_connection(ctx, of, filter, sort, args, |_| (), AuditEntry)
            .await
            .map(Some)
    }

    /// The members who may be sent marketing email: those whose newest `marketing` consent
    /// decision grants it. A withdrawal takes a person off at once. Owners and admins.
    #[graphql(guard = "OrganizationRole::at_least(StoredRole::Admin, self.0.row.id)")]
    async fn marketing_audience(&self, ctx: &Context<'_>) -> Result<Option<Vec<User>>> {
        let ids = consents::opted_in_members(db(ctx)?, self.0.row.id, consent::MARKETING)
            .await
            .map_err(AppError::from)?;
        // Concurrently, so the loader reads them in one batch.
        let people =
            futures_util::future::try_join_all(ids.into_iter().map(|id| load(ctx, UserKey(id))))
                .await?;
        Ok(Some(people.into_iter().flatten().map(User).collect()))
    }

    /// The data-subject requests about people who are or were members, newest first: that
    /// they exist and how they stand, never what they found. Owners and admins.
    #[graphql(guard = "OrganizationRole::at_least(StoredRole::Admin, self.0.row.id)")]
    async fn data_requests(&self, ctx: &Context<'_>) -> Result<Option<Vec<DataRequest>>> {
        Ok(Some(
            data_request::about_members_of(ctx, self.0.row.id).await?,
        ))
    }

    /// The invitations the organisation sent, newest first; owners and admins only.
    #[graphql(
        guard = "OrganizationRole::at_least(StoredRole::Admin, self.0.row.id)",
        complexity = "complexity(first, last, child_complexity)"
    )]
    #[allow(
        clippy::too_many_arguments,
        reason = "Relay paging arguments, filter and order"
    )]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many rows from the start, or after `after`.")] first: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "How many rows from the end, or before `before`.")] last: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page ends before it.")] before: Option<String>,
        #[graphql(desc = "Which rows; all by default.")] filter: Option<InvitationFilterInput>,
        #[graphql(desc = "Sort; newest first by default.")] order_by: Option<InvitationOrder>,
    ) -> Result<Option<Paged<Invitation>>> {
        let sort = InvitationOrder::sort(order_by, NEWEST_INVITATIONS);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into();
        let of = InvitationsOf(self.0.row.id);
        child_connection(ctx, of, filter, sort, args, |_| (), Invitation)
            .await
            .map(Some)
    }
}

const NEWEST_INVITATIONS: Sort<InvitationSort> = Sort {
    key: InvitationSort::CreatedAt,
    descending: true,
};

const EARLIEST_MEMBERS: Sort<MemberSort> = Sort {
    key: MemberSort::JoinedAt,
    descending: false,
};

const NEWEST_AUDIT_ENTRIES: Sort<AuditSort> = Sort {
    key: AuditSort::Sequence,
    descending: true,
};
