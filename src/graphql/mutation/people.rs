//! `updateMyProfile`, `grantConsent`, `withdrawConsent`: what people do about themselves.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::Mutating;
use crate::graphql::guards::{reference, refresh_viewer};
use crate::graphql::id::{GlobalId, NodeKind};
use crate::graphql::types::{User, UserConsent};
use crate::service::profile::ProfileChanges;
use crate::service::{consents, profile};

/// Changes to the viewer's profile; omitted fields stay as they are, an empty string clears an
/// optional one.
#[derive(InputObject, Default)]
pub struct UpdateMyProfileInput {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// IANA time zone, e.g. `Europe/Paris`.
    pub timezone: Option<String>,
    /// LinkedIn profile URL.
    pub linkedin_url: Option<String>,
    /// Profile picture URL.
    pub profile_pic_url: Option<String>,
}

/// The viewer as they are now.
#[derive(SimpleObject)]
pub struct UpdateMyProfilePayload {
    /// The viewer.
    pub user: User,
}

/// A decision on a consent type.
#[derive(InputObject)]
pub struct ConsentInput {
    /// The consent type (a `ConsentType` ID).
    pub consent_type_id: ID,
    /// Where the decision was made, e.g. `settings_page`.
    pub source: Option<String>,
}

/// The recorded decision.
#[derive(SimpleObject)]
pub struct ConsentPayload {
    /// The new consent record; the viewer's current state for that consent type.
    pub consent: UserConsent,
}

#[derive(Default)]
pub struct PeopleMutations;

#[Object]
impl PeopleMutations {
    /// Changes the viewer's own profile.
    async fn update_my_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the viewer's profile to change.")]
        input: UpdateMyProfileInput,
    ) -> Result<UpdateMyProfilePayload> {
        let mutating = Mutating::of(ctx).await?;
        let changes = ProfileChanges {
            first_name: input.first_name,
            last_name: input.last_name,
            title: input.title,
            phone: input.phone,
            timezone: input.timezone,
            linkedin_url: input.linkedin_url,
            profile_pic_url: input.profile_pic_url,
        };
        let user = profile::update(mutating.db, mutating.actor(), changes).await?;
        refresh_viewer(ctx)?;
        Ok(UpdateMyProfilePayload {
            user: User::own(user),
        })
    }

    /// The viewer grants a consent.
    async fn grant_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consent type granted and, optionally, where the viewer decided.")]
        input: ConsentInput,
    ) -> Result<ConsentPayload> {
        decide(ctx, input, true).await
    }

    /// The viewer withdraws a consent.
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The consent type withdrawn and, optionally, where the viewer decided.")]
        input: ConsentInput,
    ) -> Result<ConsentPayload> {
        decide(ctx, input, false).await
    }
}

async fn decide(ctx: &Context<'_>, input: ConsentInput, granted: bool) -> Result<ConsentPayload> {
    let mutating = Mutating::of(ctx).await?;
    let consent_type = GlobalId::decode_as(
        &input.consent_type_id,
        NodeKind::ConsentType,
        "input.consentTypeId",
    )?;
    let consent = consents::decide(
        mutating.db,
        reference(ctx)?.scale(),
        mutating.actor(),
        consent_type,
        granted,
        input.source,
    )
    .await?;
    refresh_viewer(ctx)?;
    Ok(ConsentPayload {
        consent: consent.into(),
    })
}
