//! The enumerations the database constrains with CHECKs, as Rust types.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a text-backed enumeration whose stored values are the given strings.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant),+
        }

        impl $name {
            /// The value as stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $value),+ }
            }
        }
    };
}

text_enum! {
    /// A membership role, strongest first.
    MemberRole {
        Owner = "owner",
        Admin = "admin",
        Analyst = "analyst",
        Member = "member",
        Viewer = "viewer",
    }
}

text_enum! {
    /// Where a membership stands.
    MemberStatus { Active = "active", Invited = "invited", Suspended = "suspended" }
}

text_enum! {
    /// Where an invitation to an organisation stands.
    InvitationStatus {
        Pending = "pending",
        Accepted = "accepted",
        Expired = "expired",
        Revoked = "revoked",
        Declined = "declined",
    }
}

text_enum! {
    /// What a retention policy does to rows past their age.
    RetentionAction { Delete = "delete", Anonymize = "anonymize", Generalize = "generalize" }
}

text_enum! {
    /// What a data-subject request asks for.
    DataRequestType { Export = "export", Erasure = "erasure" }
}

text_enum! {
    /// Where a data-subject request stands: pending until the worker takes it, then
    /// processing, then completed or failed; canceled by its subject while still pending.
    DataRequestStatus {
        Pending = "pending",
        Processing = "processing",
        Completed = "completed",
        Failed = "failed",
        Canceled = "canceled",
    }
}

text_enum! {
    /// Where an organisation stands.
    OrganizationStatus { Active = "active", Suspended = "suspended", Archived = "archived" }
}

text_enum! {
    /// The headcount band an organisation declares.
    CompanySize {
        Micro = "1-10",
        Small = "11-50",
        Medium = "51-200",
        MidMarket = "201-500",
        Large = "501-1000",
        Enterprise = "1001-5000",
        Giant = "5001+",
    }
}

text_enum! {
    /// A user's role on the platform as a whole (not in an organisation).
    PlatformRole { User = "user", PlatformAdmin = "platform_admin" }
}

text_enum! {
    /// Where a user account stands; `pending` users were invited and have not signed in.
    UserStatus { Active = "active", Pending = "pending", Suspended = "suspended" }
}

text_enum! {
    /// The eleven assessment types.
    AssessmentType {
        Onboarding = "onboarding",
        StrategicMaturity = "strategic_maturity",
        Bpm = "bpm",
        CompetitiveBenchmarking = "competitive_benchmarking",
        CustomerExperience = "customer_experience",
        DigitalTransformation = "digital_transformation",
        Leadership = "leadership",
        MarketingEffectiveness = "marketing_effectiveness",
        SalesPerformance = "sales_performance",
        TechStack = "tech_stack",
        AiReadiness = "ai_readiness",
    }
}

text_enum! {
    /// The life cycle of an assessment.
    AssessmentStatus { InProgress = "in_progress", Completed = "completed", Archived = "archived" }
}

text_enum! {
    /// The nine score brackets, lowest first.
    ScoreBracket {
        Score1 = "score_1",
        Score1_5 = "score_1_5",
        Score2 = "score_2",
        Score2_5 = "score_2_5",
        Score3 = "score_3",
        Score3_5 = "score_3_5",
        Score4 = "score_4",
        Score4_5 = "score_4_5",
        Score5 = "score_5",
    }
}

text_enum! {
    /// Why a digital twin snapshot was taken.
    SnapshotReason { Change = "change", Monthly = "monthly" }
}

text_enum! {
    /// Where one run of a job period stands.
    JobOutcome { Running = "running", Succeeded = "succeeded", Failed = "failed" }
}

text_enum! {
    /// The kind of change an audit row records.
    AuditOperation { Select = "SELECT", Insert = "INSERT", Update = "UPDATE", Delete = "DELETE" }
}

impl MemberRole {
    /// Higher is stronger: owner 4 … viewer 0.
    fn strength(self) -> u8 {
        match self {
            Self::Owner => 4,
            Self::Admin => 3,
            Self::Analyst => 2,
            Self::Member => 1,
            Self::Viewer => 0,
        }
    }

    /// Whether this role grants at least what `weakest` grants.
    pub fn is_at_least(self, weakest: MemberRole) -> bool {
        self.strength() >= weakest.strength()
    }
}

text_enum! {
    /// Where an organisation stands in the industry benchmarks.
    BenchmarkStanding {
        Ranked = "ranked",
        SmallCohort = "small_cohort",
        NoCohort = "no_cohort",
        NotSharing = "not_sharing",
        NoTwin = "no_twin",
    }
}
