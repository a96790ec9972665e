//! The lists the API pages through: their filters, their sort keys, and for nested lists the
//! column that names the parent.

use chrono::{DateTime, Utc};
use entity::enums::{
    AssessmentStatus, AssessmentType, AuditOperation, MemberRole, MemberStatus, OrganizationStatus,
    SnapshotReason,
};
use entity::{
    assessments, audit_log, digital_twin_snapshots, organization_members, organizations,
    user_consents,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait, Select};
use uuid::Uuid;

use super::paging::{ListFilter, SortKey, ValueKind};
use super::scope::ScopedEntity;

/// A one-to-many relation read in pages per parent.
pub trait ChildList: Send + Sync + 'static {
    type Entity: ScopedEntity;
    type Filter: ListFilter<Self::Entity>;
    type Sort: SortKey<Entity = Self::Entity>;
    /// The child column that holds the parent's id.
    fn parent() -> <Self::Entity as EntityTrait>::Column;
}

macro_rules! child_lists {
    ($($(#[$meta:meta])* $name:ident: $module:ident by $parent:ident, $filter:ty, $sort:ty;)+) => {
        $(
            $(#[$meta])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub struct $name;

            impl ChildList for $name {
                type Entity = $module::Entity;
                type Filter = $filter;
                type Sort = $sort;
                fn parent() -> $module::Column {
                    $module::Column::$parent
                }
            }
        )+
    };
}

child_lists! {
    /// An organisation's memberships.
    MembersOfOrganization: organization_members by OrganizationId, MemberFilter, MemberSort;
    /// A person's memberships.
    MembershipsOfUser: organization_members by UserId, MemberFilter, MemberSort;
    /// An organisation's assessments.
    AssessmentsOfOrganization: assessments by OrganizationId, AssessmentFilter, AssessmentSort;
    /// The assessments a person answered.
    AssessmentsOfUser: assessments by UserId, AssessmentFilter, AssessmentSort;
    /// A digital twin's history.
    SnapshotsOfTwin: digital_twin_snapshots by TwinId, SnapshotFilter, SnapshotSort;
    /// A person's consent history.
    ConsentsOfUser: user_consents by UserId, ConsentFilter, ConsentSort;
    /// An organisation's audit log.
    AuditOfOrganization: audit_log by OrganizationId, AuditFilter, AuditSort;
}

macro_rules! sort_keys {
    ($($(#[$meta:meta])* $name:ident: $module:ident, key $key_kind:ident {
        $($(#[$vmeta:meta])* $variant:ident => $column:ident, $kind:ident;)+
    })+) => {
        $(
            $(#[$meta])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum $name {
                $($(#[$vmeta])* $variant),+
            }

            impl SortKey for $name {
                type Entity = $module::Entity;
                const KEY_KIND: ValueKind = ValueKind::$key_kind;
                fn column(self) -> $module::Column {
                    match self { $(Self::$variant => $module::Column::$column),+ }
                }
                fn name(self) -> &'static str {
                    use sea_orm::IdenStatic;
                    match self { $(Self::$variant => $module::Column::$column.as_str()),+ }
                }
                fn kind(self) -> ValueKind {
                    match self { $(Self::$variant => ValueKind::$kind),+ }
                }
            }
        )+
    };
}

sort_keys! {
    /// How organisations are sorted.
    OrganizationSort: organizations, key Uuid {
        Name => Name, Text;
        CreatedAt => CreatedAt, Time;
    }
    /// How memberships are sorted.
    MemberSort: organization_members, key Uuid {
        JoinedAt => JoinedAt, Time;
    }
    /// How assessments are sorted.
    AssessmentSort: assessments, key Uuid {
        CreatedAt => CreatedAt, Time;
        UpdatedAt => UpdatedAt, Time;
    }
    /// How snapshots are sorted.
    SnapshotSort: digital_twin_snapshots, key Uuid {
        CapturedAt => CapturedAt, Time;
    }
    /// How consent records are sorted.
    ConsentSort: user_consents, key Uuid {
        RecordedAt => RecordedAt, Time;
    }
    /// How audit entries are sorted: by their sequence, which is the order they were written.
    AuditSort: audit_log, key Int {
        Sequence => Id, Int;
    }
}

/// Which organisations to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OrganizationFilter {
    pub statuses: Option<Vec<OrganizationStatus>>,
}

impl ListFilter<organizations::Entity> for OrganizationFilter {
    fn apply(&self, select: Select<organizations::Entity>) -> Select<organizations::Entity> {
        select.apply_if(self.statuses.clone(), |select, statuses| {
            select.filter(organizations::Column::Status.is_in(statuses))
        })
    }
}

/// Which memberships to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MemberFilter {
    pub roles: Option<Vec<MemberRole>>,
    pub statuses: Option<Vec<MemberStatus>>,
}

impl ListFilter<organization_members::Entity> for MemberFilter {
    fn apply(
        &self,
        select: Select<organization_members::Entity>,
    ) -> Select<organization_members::Entity> {
        use organization_members::Column;
        select
            .apply_if(self.roles.clone(), |select, roles| {
                select.filter(Column::Role.is_in(roles))
            })
            .apply_if(self.statuses.clone(), |select, statuses| {
                select.filter(Column::Status.is_in(statuses))
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

/// Which snapshots to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SnapshotFilter {
    pub reasons: Option<Vec<SnapshotReason>>,
    pub captured: TimeRange,
}

impl ListFilter<digital_twin_snapshots::Entity> for SnapshotFilter {
    fn apply(
        &self,
        select: Select<digital_twin_snapshots::Entity>,
    ) -> Select<digital_twin_snapshots::Entity> {
        use digital_twin_snapshots::Column;
        let select = select.apply_if(self.reasons.clone(), |select, reasons| {
            select.filter(Column::Reason.is_in(reasons))
        });
        self.captured.apply(select, Column::CapturedAt)
    }
}

/// Which consent records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ConsentFilter {
    pub granted: Option<bool>,
}

impl ListFilter<user_consents::Entity> for ConsentFilter {
    fn apply(&self, select: Select<user_consents::Entity>) -> Select<user_consents::Entity> {
        select.apply_if(self.granted, |select, granted| {
            select.filter(user_consents::Column::Granted.eq(granted))
        })
    }
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AuditFilter {
    pub actor: Option<Uuid>,
    pub tables: Option<Vec<String>>,
    pub operations: Option<Vec<AuditOperation>>,
    pub created: TimeRange,
}

impl ListFilter<audit_log::Entity> for AuditFilter {
    fn apply(&self, select: Select<audit_log::Entity>) -> Select<audit_log::Entity> {
        use audit_log::Column;
        let select = select
            .apply_if(self.actor, |select, actor| {
                select.filter(Column::ActorUserId.eq(actor))
            })
            .apply_if(self.tables.clone(), |select, tables| {
                select.filter(Column::TableName.is_in(tables))
            })
            .apply_if(self.operations.clone(), |select, operations| {
                select.filter(Column::Operation.is_in(operations))
            });
        self.created.apply(select, Column::CreatedAt)
    }
}

/// A half-open time range: `from` inclusive, `until` exclusive; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl TimeRange {
    fn apply<E: EntityTrait>(&self, select: Select<E>, column: E::Column) -> Select<E> {
        select
            .apply_if(self.from, |select, from| select.filter(column.gte(from)))
            .apply_if(self.until, |select, until| select.filter(column.lt(until)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::attach::assert_always_read;

    fn always_read<K: SortKey<Entity: ScopedEntity>>(keys: &[K]) {
        for &key in keys {
            assert_always_read::<K::Entity>(key.column());
        }
    }

    /// Cursors are built from the row's sort column, and pages of many parents grouped by the
    /// parent column: reads never leave those out.
    #[test]
    fn sort_and_parent_columns_are_read_whatever_is_selected() {
        always_read(&[OrganizationSort::Name, OrganizationSort::CreatedAt]);
        always_read(&[MemberSort::JoinedAt]);
        always_read(&[AssessmentSort::CreatedAt, AssessmentSort::UpdatedAt]);
        always_read(&[SnapshotSort::CapturedAt]);
        always_read(&[ConsentSort::RecordedAt]);
        always_read(&[AuditSort::Sequence]);
        fn parent<L: ChildList>() {
            assert_always_read::<L::Entity>(L::parent());
        }
        parent::<MembersOfOrganization>();
        parent::<MembershipsOfUser>();
        parent::<AssessmentsOfOrganization>();
        parent::<AssessmentsOfUser>();
        parent::<SnapshotsOfTwin>();
        parent::<ConsentsOfUser>();
        parent::<AuditOfOrganization>();
    }
}
