//! `Organization`: a tenant, and the root of everything it owns.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::MemberRole as StoredRole;
use entity::organizations;

use super::{
    Assessment, AuditEntry, DigitalTwin, Membership, OrganizationAnalytics, find_selected,
};
use crate::db::lists::{
    AssessmentSort, AssessmentsOfOrganization, AuditOfOrganization, AuditSort, MemberSort,
    MembersOfOrganization,
};
use crate::db::loaders::{AnalyticsOf, TwinOfOrganization};
use crate::db::paging::Sort;
use crate::domain::analytics;
use crate::error::AppError;
use crate::graphql::connection::{PageArgs, Paged, child_connection, complexity};
use crate::graphql::enums::{CompanySize, MemberRole, OrganizationStatus};
use crate::graphql::guards::{OrganizationRole, loaders, viewer};
use crate::graphql::id::NodeKind;
use crate::graphql::inputs::{
    AssessmentFilterInput, AssessmentOrder, AuditEntryOrder, AuditFilterInput,
    MembershipFilterInput, MembershipOrder,
};

/// Newest first.
pub const NEWEST_ASSESSMENTS: Sort<AssessmentSort> = Sort {
    key: AssessmentSort::CreatedAt,
    descending: true,
};

/// A company on the platform: its people, their assessments and its digital twin.
pub struct Organization(pub Arc<organizations::Model>);

#[Object(guard = "OrganizationRole::member_of(self.0.id)")]
impl Organization {
    /// The organisation's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::Organization.id(self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Unique, URL-safe name.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The industry the organisation declares.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }

    /// The headcount band the organisation declares.
    async fn company_size(&self) -> Option<CompanySize> {
        self.0.company_size.map(Into::into)
    }

    /// Where the organisation stands.
    async fn status(&self) -> OrganizationStatus {
        self.0.status.into()
    }

    /// Organisation-wide settings, as stored.
    async fn settings(&self) -> Json<serde_json::Value> {
        super::json(&self.0.settings)
    }

    /// When the organisation was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the organisation last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The viewer's own role here; `null` for a platform admin who is not a member.
    async fn viewer_role(&self, ctx: &Context<'_>) -> Result<Option<MemberRole>> {
        Ok(viewer(ctx).await?.role_in(self.0.id).map(MemberRole::from))
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
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<MembershipFilterInput>,
        order_by: Option<MembershipOrder>,
    ) -> Result<Paged<Membership>> {
        let sort = MembershipOrder::sort(order_by, EARLIEST_MEMBERS);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into();
        child_connection::<MembersOfOrganization, _>(ctx, self.0.id, filter, sort, args, Membership)
            .await
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
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AssessmentFilterInput>,
        order_by: Option<AssessmentOrder>,
    ) -> Result<Paged<Assessment>> {
        let sort = AssessmentOrder::sort(order_by, NEWEST_ASSESSMENTS);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into_filter()?;
        child_connection::<AssessmentsOfOrganization, _>(
            ctx, self.0.id, filter, sort, args, Assessment,
        )
        .await
    }

    /// Assessment counts and score aggregates, for dashboards.
    async fn analytics(&self, ctx: &Context<'_>) -> Result<OrganizationAnalytics> {
        let loaded = loaders(ctx)?
            .load_one(AnalyticsOf(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        Ok(OrganizationAnalytics(analytics::summarize(
            &loaded.counts,
            &loaded.scores,
        )))
    }

    /// The organisation's digital twin, once its first assessment has been scored.
    async fn digital_twin(&self, ctx: &Context<'_>) -> Result<Option<DigitalTwin>> {
        Ok(find_selected::<TwinOfOrganization>(ctx, self.0.id)
            .await?
            .map(DigitalTwin))
    }

    /// Who changed what, newest first; owners and admins only.
    #[graphql(
        guard = "OrganizationRole::at_least(StoredRole::Admin, self.0.id)",
        complexity = "complexity(first, last, child_complexity)"
    )]
    #[allow(
        clippy::too_many_arguments,
        reason = "Relay paging arguments, filter and order"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AuditFilterInput>,
        order_by: Option<AuditEntryOrder>,
    ) -> Result<Option<Paged<AuditEntry>>> {
        let sort = AuditEntryOrder::sort(order_by, NEWEST_AUDIT_ENTRIES);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into_filter()?;
        child_connection::<AuditOfOrganization, _>(ctx, self.0.id, filter, sort, args, AuditEntry)
            .await
            .map(Some)
    }
}

const EARLIEST_MEMBERS: Sort<MemberSort> = Sort {
    key: MemberSort::JoinedAt,
    descending: false,
};

const NEWEST_AUDIT_ENTRIES: Sort<AuditSort> = Sort {
    key: AuditSort::Sequence,
    descending: true,
};
