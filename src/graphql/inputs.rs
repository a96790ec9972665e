//! Filter and order arguments of the connections, and their translation into the data layer's
//! filters. IDs in filters are checked here, so a malformed one is `BAD_USER_INPUT` naming the
//! argument, and another tenant's id simply matches nothing.

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::enums::{
    AssessmentStatus, AssessmentType, AuditOperation, InvitationStatus, MemberRole, MemberStatus,
    OrderDirection, OrganizationStatus, SnapshotReason,
};
use super::id::{GlobalId, NodeKind};
use crate::db::assessments::{AssessmentFilter, AssessmentSort};
use crate::db::audit::{AuditFilter, AuditSort};
use crate::db::consents::{ConsentFilter, ConsentSort};
use crate::db::invitations::{InvitationFilter, InvitationSort};
use crate::db::memberships::{MemberFilter, MemberSort};
use crate::db::organizations::{OrganizationFilter, OrganizationSort};
use crate::db::paging::{Sort, TimeRange};
use crate::db::snapshots::{SnapshotFilter, SnapshotSort};
use crate::error::AppError;

fn converted<T: Copy, U: From<T>>(values: Option<Vec<T>>) -> Option<Vec<U>> {
    values.map(|values| values.into_iter().map(U::from).collect())
}

fn optional_id(id: Option<ID>, kind: NodeKind, field: &str) -> Result<Option<Uuid>, AppError> {
    id.map(|id| GlobalId::decode_as(&id, kind, field))
        .transpose()
}

/// Which organisations to return.
#[derive(InputObject, Debug, Default)]
#[graphql(name = "OrganizationFilter")]
pub struct OrganizationFilterInput {
    /// Only organisations in one of these states.
    pub statuses: Option<Vec<OrganizationStatus>>,
}

impl From<OrganizationFilterInput> for OrganizationFilter {
    fn from(input: OrganizationFilterInput) -> Self {
        Self {
            statuses: converted(input.statuses),
        }
    }
}

/// Which memberships to return.
#[derive(InputObject, Debug, Default)]
#[graphql(name = "MembershipFilter")]
pub struct MembershipFilterInput {
    /// Only memberships with one of these roles.
    pub roles: Option<Vec<MemberRole>>,
    /// Only memberships in one of these states.
    pub statuses: Option<Vec<MemberStatus>>,
}

impl From<MembershipFilterInput> for MemberFilter {
    fn from(input: MembershipFilterInput) -> Self {
        Self {
            roles: converted(input.roles),
            statuses: converted(input.statuses),
        }
    }
}

/// Which invitations to return.
#[derive(InputObject, Debug, Default)]
#[graphql(name = "InvitationFilter")]
pub struct InvitationFilterInput {
    /// Only invitations stored in one of these states. An open invitation past its expiry is
    /// stored as `PENDING` until it is resent, revoked or replaced, and reads `EXPIRED`.
    pub statuses: Option<Vec<InvitationStatus>>,
}

impl From<InvitationFilterInput> for InvitationFilter {
    fn from(input: InvitationFilterInput) -> Self {
        Self {
            statuses: converted(input.statuses),
        }
    }
}

/// Which assessments to return.
#[derive(InputObject, Debug, Default)]
#[graphql(name = "AssessmentFilter")]
pub struct AssessmentFilterInput {
    /// Only assessments of one of these types.
    pub assessment_types: Option<Vec<AssessmentType>>,
    /// Only assessments in one of these states.
    pub statuses: Option<Vec<AssessmentStatus>>,
    /// Only assessments started at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Only assessments started before this instant.
    pub created_before: Option<DateTime<Utc>>,
    /// Only assessments answered by this person (a `User` ID).
    pub respondent_id: Option<ID>,
    /// Only assessments of this organisation (an `Organization` ID).
    pub organization_id: Option<ID>,
}

impl AssessmentFilterInput {
    /// The data layer's filter; an ID of the wrong kind is `BAD_USER_INPUT`.
    pub fn into_filter(self) -> Result<AssessmentFilter, AppError> {
        Ok(AssessmentFilter {
            types: converted(self.assessment_types),
            statuses: converted(self.statuses),
            created: TimeRange {
                from: self.created_from,
                until: self.created_before,
            },
            respondent: optional_id(self.respondent_id, NodeKind::User, "filter.respondentId")?,
            organization: optional_id(
                self.organization_id,
                NodeKind::Organization,
                "filter.organizationId",
            )?,
        })
    }
}

/// Which snapshots to return.
#[derive(InputObject, Debug, Default)]
#[graphql(name = "DigitalTwinSnapshotFilter")]
pub struct SnapshotFilterInput {
    /// Only snapshots taken for one of these reasons.
    pub reasons: Option<Vec<SnapshotReason>>,
    /// Only snapshots captured at or after this instant.
    pub captured_from: Option<DateTime<Utc>>,
    /// Only snapshots captured before this instant.
    pub captured_before: Option<DateTime<Utc>>,
}

impl From<SnapshotFilterInput> for SnapshotFilter {
    fn from(input: SnapshotFilterInput) -> Self {
        Self {
            reasons: converted(input.reasons),
            captured: TimeRange {
                from: input.captured_from,
                until: input.captured_before,
            },
        }
    }
}

/// Which consent records to return.
#[derive(InputObject, Debug, Default)]
#[graphql(name = "UserConsentFilter")]
pub struct ConsentFilterInput {
    /// Only grants (`true`) or only withdrawals (`false`).
    pub granted: Option<bool>,
}

impl From<ConsentFilterInput> for ConsentFilter {
    fn from(input: ConsentFilterInput) -> Self {
        Self {
            granted: input.granted,
        }
    }
}

/// Which audit entries to return.
#[derive(InputObject, Debug, Default)]
#[graphql(name = "AuditEntryFilter")]
pub struct AuditFilterInput {
    /// Only changes made by this person (a `User` ID).
    pub actor_id: Option<ID>,
    /// Only changes to these tables, e.g. `assessments`.
    pub table_names: Option<Vec<String>>,
    /// Only these kinds of change.
    pub operations: Option<Vec<AuditOperation>>,
    /// Only entries written at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Only entries written before this instant.
    pub created_before: Option<DateTime<Utc>>,
}

impl AuditFilterInput {
    /// The data layer's filter; an ID of the wrong kind is `BAD_USER_INPUT`.
    pub fn into_filter(self) -> Result<AuditFilter, AppError> {
        Ok(AuditFilter {
            actor: optional_id(self.actor_id, NodeKind::User, "filter.actorId")?,
            tables: self.table_names,
            operations: converted(self.operations),
            created: TimeRange {
                from: self.created_from,
                until: self.created_before,
            },
        })
    }
}

macro_rules! orders {
    ($($(#[$meta:meta])* $input:ident, $field:ident => $sort:ident {
        $($(#[$vmeta:meta])* $variant:ident),+ $(,)?
    })+) => {
        $(
            $(#[$meta])*
            #[derive(InputObject, Debug, Clone, Copy)]
            pub struct $input {
                /// The field to sort on; ties are broken by ID.
                pub field: $field,
                /// Which way to sort.
                pub direction: OrderDirection,
            }

            #[doc = concat!("The fields a `", stringify!($input), "` sorts on.")]
            #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
            pub enum $field {
                $($(#[$vmeta])* $variant),+
            }

            impl $input {
                /// The requested sort, or `default` when none was given.
                pub fn sort(order: Option<Self>, default: Sort<$sort>) -> Sort<$sort> {
                    order.map_or(default, |order| Sort {
                        key: match order.field { $($field::$variant => $sort::$variant),+ },
                        descending: order.direction == OrderDirection::Desc,
                    })
                }
            }
        )+
    };
}

orders! {
    /// How to sort organisations.
    OrganizationOrder, OrganizationOrderField => OrganizationSort {
        /// By name.
        Name,
        /// By creation time.
        CreatedAt,
    }
    /// How to sort invitations.
    InvitationOrder, InvitationOrderField => InvitationSort {
        /// By the time the invitation was made.
        CreatedAt,
    }
    /// How to sort memberships.
    MembershipOrder, MembershipOrderField => MemberSort {
        /// By the time the person joined.
        JoinedAt,
    }
    /// How to sort assessments.
    AssessmentOrder, AssessmentOrderField => AssessmentSort {
        /// By the time the assessment was started.
        CreatedAt,
        /// By the time the assessment last changed.
        UpdatedAt,
    }
    /// How to sort digital twin snapshots.
    DigitalTwinSnapshotOrder, DigitalTwinSnapshotOrderField => SnapshotSort {
        /// By capture time.
        CapturedAt,
    }
    /// How to sort consent records.
    UserConsentOrder, UserConsentOrderField => ConsentSort {
        /// By the time the grant or withdrawal was recorded.
        RecordedAt,
    }
    /// How to sort audit entries.
    AuditEntryOrder, AuditEntryOrderField => AuditSort {
        /// By the log's sequence, which is the order the entries were written in.
        Sequence,
    }
}
