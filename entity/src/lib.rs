//! SeaORM entities for orgraph: one module per table, relations declared both ways.
//!
//! These are storage types. The GraphQL API wraps them in its own types; a table is never the
//! API by accident.

use sea_orm::{QueryResult, TryGetError};

pub mod assessment_scores;
pub mod assessments;
pub mod audit_log;
pub mod consent_types;
pub mod digital_twin_snapshots;
pub mod enums;
pub mod events;
pub mod maturity_criteria;
pub mod maturity_levels;
pub mod mutation_receipts;
pub mod organization_digital_twins;
pub mod organization_members;
pub mod organizations;
pub mod user_consents;
pub mod users;

pub mod prelude {
    //! The entities under short names.
    pub use super::assessment_scores::Entity as AssessmentScore;
    pub use super::assessments::Entity as Assessment;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::consent_types::Entity as ConsentType;
    pub use super::digital_twin_snapshots::Entity as DigitalTwinSnapshot;
    pub use super::events::Entity as Event;
    pub use super::maturity_criteria::Entity as MaturityCriterion;
    pub use super::maturity_levels::Entity as MaturityLevel;
    pub use super::mutation_receipts::Entity as MutationReceipt;
    pub use super::organization_digital_twins::Entity as OrganizationDigitalTwin;
    pub use super::organization_members::Entity as OrganizationMember;
    pub use super::organizations::Entity as Organization;
    pub use super::user_consents::Entity as UserConsent;
    pub use super::users::Entity as User;
}

/// A model read by position: its columns, in the order of its `Column` enumeration, start at
/// one known column of a row. orgraph's reads place every table's columns so; reading them by
/// name formatted each joined column's alias and hashed every name, once per row and column.
///
/// Columns marked `#[when_selected]` may be left out of a read: bit `i` of `omitted` says the
/// row holds no column for field `i`, which then keeps its type's default. Only columns that one
/// API field shows and nothing else reads are so marked; sort keys, keys and the columns that
/// scope rows never are.
pub trait ReadByPosition: Sized {
    /// The model's fields, in column order.
    const FIELDS: &'static [&'static str];

    /// The fields a read may leave out: bit `i` is `FIELDS[i]`.
    const READ_WHEN_SELECTED: u32;

    /// The model from the columns of `row` that start at `first`, without the `omitted` ones.
    fn read_at(row: &QueryResult, first: usize, omitted: u32) -> Result<Self, TryGetError>;
}

/// Implements [`ReadByPosition`] for the module's `Model`; the fields are listed in column
/// order, which orgraph's tests hold to the `Column` enumeration.
#[macro_export]
macro_rules! read_by_position {
    ($($(#[$when:ident])? $field:ident),+ $(,)?) => {
        impl $crate::ReadByPosition for Model {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];

            const READ_WHEN_SELECTED: u32 = {
                let optional = [$($crate::read_by_position!(@optional $($when)?)),+];
                let mut mask = 0;
                let mut index = 0;
                while index < optional.len() {
                    if optional[index] {
                        mask |= 1 << index;
                    }
                    index += 1;
                }
                mask
            };

            #[allow(
                unused_assignments,
                unused_variables,
                reason = "the last field moves past the row's end; a table without optional \
                          columns never looks at `omitted`"
            )]
            fn read_at(
                row: &sea_orm::QueryResult,
                first: usize,
                omitted: u32,
            ) -> Result<Self, sea_orm::TryGetError> {
                let mut position = first;
                let mut bit = 1u32;
                Ok(Self {
                    $($field: $crate::read_by_position!(
                        @read row, position, bit, omitted $(, $when)?
                    )),+
                })
            }
        }
    };
    (@optional) => { false };
    (@optional when_selected) => { true };
    (@read $row:ident, $position:ident, $bit:ident, $omitted:ident) => {{
        $bit <<= 1;
        let value = $row.try_get_by_index_nullable($position)?;
        $position += 1;
        value
    }};
    (@read $row:ident, $position:ident, $bit:ident, $omitted:ident, when_selected) => {{
        let this = $bit;
        $bit <<= 1;
        if $omitted & this != 0 {
            Default::default()
        } else {
            let value = $row.try_get_by_index_nullable($position)?;
            $position += 1;
            value
        }
    }};
}
