//! Who receives an event: the rules a subscription applies to every event before it is
//! delivered, without GraphQL. A subscriber sees an organisation's events only while they may
//! see the organisation; their memberships are cached per connection and read again when an
//! event says they changed.

use std::sync::{Arc, Mutex};

use entity::enums::MemberRole;
use entity::events;
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::auth::viewer::{self, Viewer};

/// Which of an organisation's events a subscription wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// Every event, or those of these stored types (`assessment.submitted`, …).
    Events(Option<Vec<&'static str>>),
    /// Assessments submitted, and so scored.
    AssessmentScored,
    /// The digital twin recomputed.
    TwinUpdated,
    /// Members added, changed, removed or gone.
    MembershipChanged,
}

/// The stored type of a scored assessment's event.
pub const ASSESSMENT_SCORED: &str = "assessment.submitted";
/// The stored type of a recomputed twin's event.
pub const TWIN_RECOMPUTED: &str = "digital_twin.recomputed";
/// The aggregate of membership events.
pub const MEMBERSHIP: &str = "membership";
/// The stored type of an organisation's deletion.
const ORGANIZATION_DELETED: &str = "organization.deleted";
/// The aggregate of invitation events, which only owners and admins see, as they alone read
/// invitations.
const INVITATION: &str = "invitation";

impl Topic {
    /// Whether `event` is one the topic wants (its organisation aside).
    pub fn wants(&self, event: &events::Model) -> bool {
        match self {
            Self::Events(None) => true,
            Self::Events(Some(types)) => types.contains(&event.event_type.as_str()),
            Self::AssessmentScored => event.event_type == ASSESSMENT_SCORED,
            Self::TwinUpdated => event.event_type == TWIN_RECOMPUTED,
            Self::MembershipChanged => event.aggregate_type == MEMBERSHIP,
        }
    }
}

/// What a subscription does with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Deliver,
    /// Another organisation's, or not of the topic.
    Skip,
    /// The subscriber may no longer see the organisation: the stream ends.
    Revoked,
}

/// The verdict on `event` for a subscription of `topic` in `organization` by `viewer` (`None`:
/// no longer an active person).
pub fn verdict(
    viewer: Option<&Viewer>,
    organization: Uuid,
    topic: &Topic,
    event: &events::Model,
) -> Verdict {
    if event.organization_id != Some(organization) {
        return Verdict::Skip;
    }
    let Some(viewer) = viewer else {
        return Verdict::Revoked;
    };
    let role = if viewer.is_platform_admin() {
        Some(MemberRole::Owner)
    } else {
        viewer.role_in(organization)
    };
    let Some(role) = role else {
        return Verdict::Revoked;
    };
    let for_admins = event.aggregate_type == INVITATION;
    if topic.wants(event) && (!for_admins || role.is_at_least(MemberRole::Admin)) {
        Verdict::Deliver
    } else {
        Verdict::Skip
    }
}

/// Whether `event` may change what `user` can see: a change to one of their memberships, or
/// an organisation deleted.
pub fn changes_access(event: &events::Model, user: Uuid) -> bool {
    let about_user =
        event.payload.get("user_id").and_then(|id| id.as_str()) == Some(user.to_string().as_str());
    (event.aggregate_type == MEMBERSHIP && about_user) || event.event_type == ORGANIZATION_DELETED
}

/// One connection's subscriber: the user, with their memberships read once and again only
/// after an event changed them.
pub struct Subscriber {
    user_id: Uuid,
    cached: Mutex<Cached>,
}

#[derive(Default)]
struct Cached {
    viewer: Option<Option<Arc<Viewer>>>,
    /// Bumped by each invalidation, so a read that began before one is not kept.
    generation: u64,
}

impl Subscriber {
    /// The subscriber `user_id`, known to be active as `viewer` when the connection opened.
    pub fn new(user_id: Uuid, viewer: Option<Arc<Viewer>>) -> Self {
        Self {
            user_id,
            cached: Mutex::new(Cached {
                viewer: Some(viewer),
                generation: 0,
            }),
        }
    }

    /// The subscriber's user.
    pub fn user_id(&self) -> Uuid {
        self.user_id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.cached
            .lock()
            .expect("the subscriber lock is never poisoned")
    }

    /// Notes `event`: the memberships are read again if it may have changed them.
    pub fn observe(&self, event: &events::Model) {
        if changes_access(event, self.user_id) {
            let mut cached = self.lock();
            cached.viewer = None;
            cached.generation += 1;
        }
    }

    /// The subscriber as a viewer now (`None`: no longer active), read only when an event
    /// invalidated what was read.
    pub async fn viewer(&self, db: &DatabaseConnection) -> Result<Option<Arc<Viewer>>, DbErr> {
        let generation = {
            let cached = self.lock();
            if let Some(viewer) = &cached.viewer {
                return Ok(viewer.clone());
            }
            cached.generation
        };
        let viewer = viewer::load(db, self.user_id).await?.map(Arc::new);
        let mut cached = self.lock();
        if cached.generation == generation {
            cached.viewer = Some(viewer.clone());
        }
        Ok(viewer)
    }
}

/// Where replayed events end and live ones begin: a live event already replayed is not
/// delivered twice.
#[derive(Debug, Clone, Copy)]
pub struct Seam {
    last: i64,
}

impl Seam {
    /// A seam after `sequence`.
    pub fn after(sequence: i64) -> Self {
        Self { last: sequence }
    }

    /// Whether the event at `sequence` is new, noting it when it is.
    pub fn advance(&mut self, sequence: i64) -> bool {
        let fresh = sequence > self.last;
        self.last = self.last.max(sequence);
        fresh
    }

    /// The last sequence passed.
    pub fn position(&self) -> i64 {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use entity::enums::PlatformRole;
    use serde_json::json;

    use super::*;

    fn event(organization: Uuid, aggregate: &str, event_type: &str) -> events::Model {
        events::Model {
            sequence: 1,
            id: Uuid::now_v7(),
            organization_id: Some(organization),
            actor_user_id: None,
            aggregate_type: aggregate.to_owned(),
            aggregate_id: Uuid::now_v7(),
            event_type: event_type.to_owned(),
            payload: json!({}),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn an_event_reaches_members_of_its_organisation_only() {
        let (alpha, beta, user) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let member = Viewer::new(user, PlatformRole::User, [(alpha, MemberRole::Viewer)]);
        let admin = Viewer::new(user, PlatformRole::PlatformAdmin, []);
        let scored = event(alpha, "assessment", ASSESSMENT_SCORED);
        let all = Topic::Events(None);
        assert_eq!(
            verdict(Some(&member), alpha, &all, &scored),
            Verdict::Deliver
        );
        assert_eq!(
            verdict(Some(&admin), alpha, &all, &scored),
            Verdict::Deliver
        );
        assert_eq!(verdict(Some(&member), beta, &all, &scored), Verdict::Skip);
        let outsider = Viewer::new(user, PlatformRole::User, [(beta, MemberRole::Owner)]);
        assert_eq!(
            verdict(Some(&outsider), alpha, &all, &scored),
            Verdict::Revoked
        );
        assert_eq!(verdict(None, alpha, &all, &scored), Verdict::Revoked);
    }

    #[test]
    fn invitation_events_reach_owners_and_admins_only() {
        let (alpha, user) = (Uuid::now_v7(), Uuid::now_v7());
        let invited = event(alpha, INVITATION, "invitation.created");
        let all = Topic::Events(None);
        for (role, seen) in [
            (MemberRole::Owner, Verdict::Deliver),
            (MemberRole::Admin, Verdict::Deliver),
            (MemberRole::Analyst, Verdict::Skip),
            (MemberRole::Viewer, Verdict::Skip),
        ] {
            let member = Viewer::new(user, PlatformRole::User, [(alpha, role)]);
            assert_eq!(
                verdict(Some(&member), alpha, &all, &invited),
                seen,
                "{role:?}"
            );
        }
        let platform = Viewer::new(user, PlatformRole::PlatformAdmin, []);
        assert_eq!(
            verdict(Some(&platform), alpha, &all, &invited),
            Verdict::Deliver
        );
    }

    #[test]
    fn topics_pick_their_events() {
        let alpha = Uuid::now_v7();
        let scored = event(alpha, "assessment", ASSESSMENT_SCORED);
        let twin = event(alpha, "digital_twin", TWIN_RECOMPUTED);
        let removed = event(alpha, MEMBERSHIP, "member.removed");
        assert!(Topic::AssessmentScored.wants(&scored));
        assert!(!Topic::AssessmentScored.wants(&twin));
        assert!(Topic::TwinUpdated.wants(&twin));
        assert!(Topic::MembershipChanged.wants(&removed));
        assert!(!Topic::MembershipChanged.wants(&scored));
        let only_twins = Topic::Events(Some(vec![TWIN_RECOMPUTED]));
        assert!(only_twins.wants(&twin) && !only_twins.wants(&scored));
    }

    #[test]
    fn only_a_change_to_the_users_memberships_invalidates_them() {
        let (alpha, user) = (Uuid::now_v7(), Uuid::now_v7());
        let mut removed = event(alpha, MEMBERSHIP, "member.removed");
        removed.payload = json!({ "user_id": user, "membership_id": Uuid::now_v7() });
        assert!(changes_access(&removed, user));
        assert!(!changes_access(&removed, Uuid::now_v7()));
        assert!(!changes_access(
            &event(alpha, "assessment", ASSESSMENT_SCORED),
            user
        ));
        assert!(changes_access(
            &event(alpha, "organization", ORGANIZATION_DELETED),
            user
        ));
    }

    #[test]
    fn the_seam_passes_each_sequence_once() {
        let mut seam = Seam::after(5);
        assert!(!seam.advance(5));
        assert!(seam.advance(6));
        assert!(!seam.advance(6));
        assert!(!seam.advance(4));
        assert!(seam.advance(9));
        assert_eq!(seam.position(), 9);
    }
}
