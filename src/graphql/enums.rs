//! The stored enumerations as GraphQL enums. They mirror `entity::enums` one to one, with
//! conversions both ways, so a new stored value fails to compile here until the API decides on
//! it.

use async_graphql::Enum;

use crate::domain::trend;

macro_rules! mirror {
    ($($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? })+) => {
        $(
            $(#[$meta])*
            #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
            pub enum $name {
                $($(#[$vmeta])* $variant),+
            }

            impl From<entity::enums::$name> for $name {
                fn from(value: entity::enums::$name) -> Self {
                    match value { $(entity::enums::$name::$variant => Self::$variant),+ }
                }
            }

            impl From<$name> for entity::enums::$name {
                fn from(value: $name) -> Self {
                    match value { $($name::$variant => Self::$variant),+ }
                }
            }
        )+
    };
}

mirror! {
    /// A role in an organisation, strongest first.
    MemberRole {
        /// Everything, including deleting the organisation.
        Owner,
        /// Manages members and settings; reads the audit log.
        Admin,
        /// Reads and analyses all assessments.
        Analyst,
        /// Answers assessments.
        Member,
        /// Reads only.
        Viewer,
    }
    /// Where a membership stands.
    MemberStatus {
        /// A member with access.
        Active,
        /// Invited, not yet joined.
        Invited,
        /// Access withdrawn for now.
        Suspended,
    }
    /// Where an invitation stands.
    InvitationStatus {
        /// Sent, not yet answered, still open.
        Pending,
        /// The invitee joined.
        Accepted,
        /// Nobody answered before it ran out.
        Expired,
        /// Withdrawn by the organisation.
        Revoked,
        /// Turned down by the invitee.
        Declined,
    }
    /// What a data-subject request asks for.
    DataRequestType {
        /// A copy of everything stored about the person.
        Export,
        /// The person's data anonymised everywhere (or, as a dry run, counted).
        Erasure,
    }
    /// Where a data-subject request stands.
    DataRequestStatus {
        /// Waiting for the background worker.
        Pending,
        /// Being run.
        Processing,
        /// Done; `result` says what it found or changed.
        Completed,
        /// Stopped by an error; `error` says which.
        Failed,
        /// Withdrawn before it started.
        Canceled,
    }
    /// Where an organisation stands.
    OrganizationStatus {
        /// In use.
        Active,
        /// Access withdrawn for now.
        Suspended,
        /// Kept for the record, no longer in use.
        Archived,
    }
    /// The headcount band an organisation declares.
    CompanySize {
        /// 1–10 people.
        Micro,
        /// 11–50 people.
        Small,
        /// 51–200 people.
        Medium,
        /// 201–500 people.
        MidMarket,
        /// 501–1000 people.
        Large,
        /// 1001–5000 people.
        Enterprise,
        /// More than 5000 people.
        Giant,
    }
    /// The eleven kinds of assessment.
    AssessmentType {
        /// First steps on the platform.
        Onboarding,
        /// Strategy and its execution.
        StrategicMaturity,
        /// Business process management.
        Bpm,
        /// Standing against competitors.
        CompetitiveBenchmarking,
        /// Customer experience.
        CustomerExperience,
        /// Digital transformation.
        DigitalTransformation,
        /// Leadership.
        Leadership,
        /// Marketing effectiveness.
        MarketingEffectiveness,
        /// Sales performance.
        SalesPerformance,
        /// The technology stack.
        TechStack,
        /// Readiness for AI.
        AiReadiness,
    }
    /// The life cycle of an assessment.
    AssessmentStatus {
        /// Being answered.
        InProgress,
        /// Submitted and scored.
        Completed,
        /// Kept for the record.
        Archived,
    }
    /// The nine score brackets, lowest first.
    ScoreBracket {
        /// Overall score below 1.50.
        #[graphql(name = "SCORE_1")]
        Score1,
        /// 1.50 to below 2.00.
        #[graphql(name = "SCORE_1_5")]
        Score1_5,
        /// 2.00 to below 2.50.
        #[graphql(name = "SCORE_2")]
        Score2,
        /// 2.50 to below 3.00.
        #[graphql(name = "SCORE_2_5")]
        Score2_5,
        /// 3.00 to below 3.50.
        #[graphql(name = "SCORE_3")]
        Score3,
        /// 3.50 to below 4.00.
        #[graphql(name = "SCORE_3_5")]
        Score3_5,
        /// 4.00 to below 4.50.
        #[graphql(name = "SCORE_4")]
        Score4,
        /// 4.50 to below 5.00.
        #[graphql(name = "SCORE_4_5")]
        Score4_5,
        /// Exactly 5.00.
        #[graphql(name = "SCORE_5")]
        Score5,
    }
    /// Why a digital twin snapshot was taken.
    SnapshotReason {
        /// The twin changed.
        Change,
        /// The monthly record.
        Monthly,
    }
    /// Where an organisation stands in the industry benchmarks.
    BenchmarkStanding {
        /// Ranked in a cohort of five organisations or more.
        Ranked,
        /// Its cohort has fewer than five organisations: nothing of it is shown.
        SmallCohort,
        /// It declares no industry or company size, so it is in no cohort.
        NoCohort,
        /// An owner withdrew `data_sharing` consent: it takes no part, and sees no benchmark.
        NotSharing,
        /// It has no digital twin to compare yet.
        NoTwin,
    }
    /// The kind of change an audit entry records.
    AuditOperation {
        /// A read of personal data.
        Select,
        /// A row was created.
        Insert,
        /// A row was changed.
        Update,
        /// A row was removed.
        Delete,
    }
}

/// Which way a list is sorted.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// Smallest (or oldest) first.
    Asc,
    /// Largest (or newest) first.
    #[default]
    Desc,
}

/// The width of a history bucket, in UTC.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistoryGranularity {
    /// A day, from midnight.
    Day,
    /// An ISO week, from Monday midnight.
    Week,
    /// A calendar month, from the first at midnight.
    #[default]
    Month,
}

impl From<HistoryGranularity> for trend::Granularity {
    fn from(value: HistoryGranularity) -> Self {
        match value {
            HistoryGranularity::Day => Self::Day,
            HistoryGranularity::Week => Self::Week,
            HistoryGranularity::Month => Self::Month,
        }
    }
}

/// Where a digital twin is heading, from its improvement rate over a window of months: at
/// least +0.05 maturity points a month is improving, at most −0.05 declining, anything between
/// (or fewer than two snapshots at different moments) stable.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwinTrend {
    /// Rising by 0.05 maturity points a month or more.
    Improving,
    /// Moving by less than 0.05 points a month either way, or not enough history to tell.
    Stable,
    /// Falling by 0.05 maturity points a month or more.
    Declining,
}

impl From<trend::Trend> for TwinTrend {
    fn from(value: trend::Trend) -> Self {
        match value {
            trend::Trend::Improving => Self::Improving,
            trend::Trend::Stable => Self::Stable,
            trend::Trend::Declining => Self::Declining,
        }
    }
}

/// Declares `EventType` and its stored names, once.
macro_rules! event_types {
    ($($(#[$meta:meta])* $variant:ident = $stored:literal),+ $(,)?) => {
        /// What happened in an organisation, as its events name it.
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum EventType {
            $($(#[$meta])* $variant),+
        }

        impl EventType {
            /// The stored `events.event_type`.
            pub fn stored(self) -> &'static str {
                match self { $(Self::$variant => $stored),+ }
            }

            /// The type of a stored `events.event_type`; `None` for one the API does not name.
            pub fn of_stored(stored: &str) -> Option<Self> {
                match stored { $($stored => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

event_types! {
    /// The organisation was created.
    OrganizationCreated = "organization.created",
    /// Its name, industry or settings changed.
    OrganizationUpdated = "organization.updated",
    /// It was deleted.
    OrganizationDeleted = "organization.deleted",
    /// A member was added directly (before people joined by invitation).
    MemberAdded = "member.added",
    /// An invitee accepted and joined.
    MemberJoined = "member.joined",
    /// A member's role changed.
    MemberRoleChanged = "member.role_changed",
    /// A member was removed.
    MemberRemoved = "member.removed",
    /// A member left.
    MemberLeft = "member.left",
    /// An assessment was started.
    AssessmentStarted = "assessment.started",
    /// An assessment's answers were saved.
    AssessmentResponsesSaved = "assessment.responses_saved",
    /// An assessment was submitted, and so scored.
    AssessmentSubmitted = "assessment.submitted",
    /// An assessment was archived.
    AssessmentArchived = "assessment.archived",
    /// The digital twin was recomputed.
    DigitalTwinRecomputed = "digital_twin.recomputed",
    /// Someone was invited (owners and admins only, as every invitation event).
    InvitationCreated = "invitation.created",
    /// An invitation was sent again with a new token.
    InvitationResent = "invitation.resent",
    /// An invitation was withdrawn.
    InvitationRevoked = "invitation.revoked",
    /// The invitee turned an invitation down.
    InvitationDeclined = "invitation.declined",
    /// An invitation that had run out was closed, to make room for a new one.
    InvitationExpired = "invitation.expired",
}

#[cfg(test)]
mod tests {
    use super::trend::TREND_THRESHOLD;
    use super::*;

    #[test]
    fn event_types_name_the_stored_types_both_ways() {
        for stored in [
            "member.removed",
            "digital_twin.recomputed",
            "assessment.submitted",
        ] {
            let named = EventType::of_stored(stored).expect(stored);
            assert_eq!(named.stored(), stored);
        }
        assert_eq!(EventType::of_stored("consent.granted"), None);
        assert_eq!(
            EventType::of_stored(crate::events::delivery::ASSESSMENT_SCORED),
            Some(EventType::AssessmentSubmitted)
        );
    }

    #[test]
    fn the_trend_descriptions_state_the_threshold() {
        let sdl = crate::graphql::sdl();
        let threshold = format!("{TREND_THRESHOLD:.2}");
        let stated = sdl
            .matches(&format!("+{threshold} maturity points a month"))
            .count();
        assert_eq!(
            stated, 2,
            "TwinTrend and DigitalTwin.trend state +{threshold}"
        );
        assert!(
            sdl.contains(&format!("−{threshold} declining")),
            "{threshold}"
        );
    }
}
