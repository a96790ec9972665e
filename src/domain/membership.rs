//! Who may change whose membership. Roles are ordered owner > admin > analyst > member > viewer.

use entity::enums::MemberRole;

/// Why a membership change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The actor would grant a role stronger than their own.
    GrantsStrongerRole,
    /// The actor would act on someone whose role is stronger than their own.
    TargetIsStronger,
    /// The organisation would be left without an owner.
    LastOwner,
}

impl Refusal {
    /// A sentence for the client.
    pub fn message(self) -> &'static str {
        match self {
            Self::GrantsStrongerRole => "nobody can grant a role stronger than their own",
            Self::TargetIsStronger => {
                "nobody can change the membership of someone with a stronger role"
            }
            Self::LastOwner => "an organisation must keep at least one owner",
        }
    }
}

/// May `actor` give someone `role`?
pub fn may_grant(actor: MemberRole, role: MemberRole) -> Result<(), Refusal> {
    if actor.is_at_least(role) {
        Ok(())
    } else {
        Err(Refusal::GrantsStrongerRole)
    }
}

/// May `actor` change `target`'s role to `new_role` (`None`: remove the membership), given how
/// many active owners the organisation has?
pub fn may_change(
    actor: MemberRole,
    target: MemberRole,
    new_role: Option<MemberRole>,
    owners: u64,
) -> Result<(), Refusal> {
    if !actor.is_at_least(target) {
        return Err(Refusal::TargetIsStronger);
    }
    if let Some(role) = new_role {
        may_grant(actor, role)?;
    }
    may_lose(target, new_role, owners)
}

/// May a member holding `role` leave (or be moved to `new_role`) without leaving the
/// organisation ownerless?
pub fn may_lose(
    role: MemberRole,
    new_role: Option<MemberRole>,
    owners: u64,
) -> Result<(), Refusal> {
    let stops_owning = role == MemberRole::Owner && new_role != Some(MemberRole::Owner);
    if stops_owning && owners <= 1 {
        Err(Refusal::LastOwner)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MemberRole::*;

    #[test]
    fn nobody_grants_a_role_stronger_than_their_own() {
        assert_eq!(may_grant(Admin, Owner), Err(Refusal::GrantsStrongerRole));
        assert_eq!(may_grant(Admin, Admin), Ok(()));
        assert_eq!(may_grant(Owner, Owner), Ok(()));
    }

    #[test]
    fn admins_cannot_touch_owners() {
        assert_eq!(
            may_change(Admin, Owner, Some(Member), 2),
            Err(Refusal::TargetIsStronger)
        );
        assert_eq!(
            may_change(Admin, Owner, None, 2),
            Err(Refusal::TargetIsStronger)
        );
        assert_eq!(may_change(Admin, Analyst, Some(Admin), 1), Ok(()));
    }

    #[test]
    fn the_last_owner_is_neither_removed_nor_demoted() {
        assert_eq!(
            may_change(Owner, Owner, Some(Admin), 1),
            Err(Refusal::LastOwner)
        );
        assert_eq!(may_change(Owner, Owner, None, 1), Err(Refusal::LastOwner));
        assert_eq!(may_lose(Owner, None, 1), Err(Refusal::LastOwner));
        assert_eq!(may_change(Owner, Owner, Some(Admin), 2), Ok(()));
        assert_eq!(may_change(Owner, Owner, Some(Owner), 1), Ok(()));
        assert_eq!(may_lose(Member, None, 0), Ok(()));
    }
}
