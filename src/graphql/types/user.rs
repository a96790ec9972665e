//! `User`: a person. Name and title are visible to everyone who shares an organisation with
//! them; everything else personal is visible only to the person, to owners and admins of an
//! organisation they share, and to platform admins.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::Utc;
use uuid::Uuid;

use super::data_request::{self, DataRequest};
use super::organization::NEWEST_ASSESSMENTS;
use super::{Assessment, ConsentStatus, ConsentType, Invitation, Membership, UserConsent, related};
use crate::db::assessments::AssessmentsOf;
use crate::db::consent_types::AllConsentTypes;
use crate::db::consents::{ConsentSort, ConsentsOf, DecisionsOf};
use crate::db::invitations;
use crate::db::memberships::{MemberSort, MembersOf};
use crate::db::paging::Sort;
use crate::db::users;
use crate::error::AppError;
use crate::graphql::connection::{PageArgs, Paged, child_connection, complexity};
use crate::graphql::guards::{PersonalData, loaders, viewer};
use crate::graphql::id::NodeKind;
use crate::graphql::inputs::{
    AssessmentFilterInput, AssessmentOrder, ConsentFilterInput, MembershipFilterInput,
    MembershipOrder, UserConsentOrder,
};

/// A person on the platform.
pub struct User(pub Arc<users::User>);

impl User {
    /// The viewer's own row, as a mutation returns it.
    pub fn own(row: entity::users::Model) -> Self {
        Self(Arc::new(users::User::own(&row)))
    }
}

/// A person on the platform. Anyone who shares an organisation with them reads their name and
/// title. Their personal fields (`email`, `phone`, `timezone`, `linkedinUrl`, `profilePicUrl`,
/// `consents`) are readable only by the person themself, by owners and admins of an
/// organisation they belong to, and by platform admins; anyone else gets `null` for those
/// fields with a `FORBIDDEN` error.
#[Object]
impl User {
    /// The person's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::User.id(self.0.row.id)
    }

    /// The invitations addressed to this person, oldest first: by default only the open ones
    /// (pending and unexpired), which `acceptInvitation` and `declineInvitation` take. Only on
    /// the viewer themself: `null` on anyone else, whose invitations are nobody else's business.
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = true,
            desc = "Only open invitations; `false` adds the answered, revoked and expired ones."
        )]
        only_open: bool,
    ) -> Result<Option<Vec<Invitation>>> {
        if viewer(ctx).await?.user_id != self.0.row.id {
            return Ok(None);
        }
        let loaders = loaders(ctx).await?;
        let open_at = only_open.then(Utc::now);
        let open = invitations::addressed_to_viewer(loaders.loader(), open_at)
            .await
            .map_err(AppError::from)?;
        Ok(Some(
            open.into_iter()
                .map(|row| Invitation(Arc::new(row)))
                .collect(),
        ))
    }

    /// The data-subject requests about this person (exports, erasures) the viewer may see,
    /// newest first: their own, or, for owners and admins of an organisation the person
    /// belongs to, without what they found.
    async fn data_requests(&self, ctx: &Context<'_>) -> Result<Vec<DataRequest>> {
        Ok(data_request::about(ctx, self.0.row.id).await?)
    }

    /// Given name.
    async fn first_name(&self) -> &str {
        &self.0.row.first_name
    }

    /// Family name.
    async fn last_name(&self) -> &str {
        &self.0.row.last_name
    }

    /// Given and family name, as shown to people.
    async fn name(&self) -> String {
        format!("{} {}", self.0.row.first_name, self.0.row.last_name)
            .trim()
            .to_owned()
    }

    /// Job title.
    async fn title(&self) -> Option<&str> {
        self.0.row.title.as_deref()
    }

    /// Email address.
    /// Personal: only the person, owners and admins of an organisation they belong to, and
    /// platform admins read it (see `User`).
    #[graphql(guard = "PersonalData(self.0.personal_data_visible)")]
    async fn email(&self) -> Option<&str> {
        Some(&self.0.row.email)
    }

    /// Phone number, as entered.
    /// Personal: only the person, owners and admins of an organisation they belong to, and
    /// platform admins read it (see `User`).
    #[graphql(guard = "PersonalData(self.0.personal_data_visible)")]
    async fn phone(&self) -> Option<&str> {
        self.0.row.phone.as_deref()
    }

    /// IANA time zone, e.g. `Europe/Paris`.
    /// Personal: only the person, owners and admins of an organisation they belong to, and
    /// platform admins read it (see `User`).
    #[graphql(guard = "PersonalData(self.0.personal_data_visible)")]
    async fn timezone(&self) -> Option<&str> {
        self.0.row.timezone.as_deref()
    }

    /// LinkedIn profile URL.
    /// Personal: only the person, owners and admins of an organisation they belong to, and
    /// platform admins read it (see `User`).
    #[graphql(guard = "PersonalData(self.0.personal_data_visible)")]
    async fn linkedin_url(&self) -> Option<&str> {
        self.0.row.linkedin_url.as_deref()
    }

    /// Profile picture URL.
    /// Personal: only the person, owners and admins of an organisation they belong to, and
    /// platform admins read it (see `User`).
    #[graphql(guard = "PersonalData(self.0.personal_data_visible)")]
    async fn profile_pic_url(&self) -> Option<&str> {
        self.0.row.profile_pic_url.as_deref()
    }

    /// The person's memberships in organisations the viewer belongs to.
    #[graphql(complexity = "complexity(first, last, child_complexity)")]
    #[allow(
        clippy::too_many_arguments,
        reason = "Relay paging arguments, filter and order"
    )]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many rows from the start, or after `after`.")] first: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "How many rows from the end, or before `before`.")] last: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page ends before it.")] before: Option<String>,
        #[graphql(desc = "Which rows; all by default.")] filter: Option<MembershipFilterInput>,
        #[graphql(desc = "Sort; earliest first by default.")] order_by: Option<MembershipOrder>,
    ) -> Result<Paged<Membership>> {
        let sort = MembershipOrder::sort(order_by, EARLIEST_MEMBERSHIPS);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into();
        let of = MembersOf::User(self.0.row.id);
        child_connection(ctx, of, filter, sort, args, Membership::joins, Membership).await
    }

    /// The assessments the person answered in organisations the viewer belongs to, newest first.
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
        let of = AssessmentsOf::User(self.0.row.id);
        child_connection(ctx, of, filter, sort, args, Assessment::joins, Assessment).await
    }

    /// Where the person stands on every consent, one entry per consent in its current version.
    /// Personal, like `consents`.
    #[graphql(guard = "PersonalData(self.0.personal_data_visible)")]
    async fn consent_state(&self, ctx: &Context<'_>) -> Result<Option<Vec<ConsentStatus>>> {
        Ok(Some(consent_state(ctx, self.0.row.id).await?))
    }

    /// The consents whose current text awaits the viewer's decision, to show them. Only on the
    /// viewer themself: `null` on anyone else.
    async fn pending_consents(&self, ctx: &Context<'_>) -> Result<Option<Vec<ConsentType>>> {
        if viewer(ctx).await?.user_id != self.0.row.id {
            return Ok(None);
        }
        let state = consent_state(ctx, self.0.row.id).await?;
        Ok(Some(
            state
                .into_iter()
                .filter(|status| status.state.needs_decision)
                .map(|status| ConsentType(status.current))
                .collect(),
        ))
    }

    /// The person's consent history, newest first; the newest record per consent type is the
    /// current state. Personal: only the person, owners and admins of an organisation they
    /// belong to, and platform admins read it (see `User`).
    #[graphql(
        guard = "PersonalData(self.0.personal_data_visible)",
        complexity = "complexity(first, last, child_complexity)"
    )]
    #[allow(
        clippy::too_many_arguments,
        reason = "Relay paging arguments, filter and order"
    )]
    async fn consents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many rows from the start, or after `after`.")] first: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "How many rows from the end, or before `before`.")] last: Option<i32>,
        #[graphql(desc = "A cursor of this list: the page ends before it.")] before: Option<String>,
        #[graphql(desc = "Which rows; all by default.")] filter: Option<ConsentFilterInput>,
        #[graphql(desc = "Sort; newest first by default.")] order_by: Option<UserConsentOrder>,
    ) -> Result<Option<Paged<UserConsent>>> {
        let sort = UserConsentOrder::sort(order_by, NEWEST_CONSENTS);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into();
        let of = ConsentsOf(self.0.row.id);
        child_connection(ctx, of, filter, sort, args, |_| (), UserConsent)
            .await
            .map(Some)
    }
}

/// Where `person` stands on every consent: one read of the consent types and one of the
/// person's decisions per request, whatever the number of people asked about.
async fn consent_state(ctx: &Context<'_>, person: Uuid) -> Result<Vec<ConsentStatus>, AppError> {
    let types = related(ctx, AllConsentTypes).await?;
    let decisions = related(ctx, DecisionsOf(person)).await?;
    Ok(ConsentStatus::of_every_consent(&types, &decisions))
}

const EARLIEST_MEMBERSHIPS: Sort<MemberSort> = Sort {
    key: MemberSort::JoinedAt,
    descending: false,
};

const NEWEST_CONSENTS: Sort<ConsentSort> = Sort {
    key: ConsentSort::RecordedAt,
    descending: true,
};
