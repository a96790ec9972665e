//! What a consent decision changes. A decision stands until a newer one on the same consent
//! (any version of its text); without any decision a consent is not withdrawn.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Withdrawn: the person's assessments stop counting in their organisations' analytics and
/// digital twins.
pub const ANALYTICS: &str = "analytics";
/// Withdrawn by an owner: the organisation leaves every industry benchmark cohort.
pub const DATA_SHARING: &str = "data_sharing";

/// Email about news, offers and events: only to people whose newest decision grants it.
pub const MARKETING: &str = "marketing";

/// Whether a decision on consent `code` changes what the person's assessments count for.
pub fn changes_twins(code: &str) -> bool {
    code == ANALYTICS
}

/// Whether a decision changes the consent's state, given the newest one before it: a
/// withdrawal stops a grant (or the default of no decision), a grant lifts a withdrawal.
pub fn changes_state(previous: Option<bool>, granted: bool) -> bool {
    let withdrawn_before = previous == Some(false);
    withdrawn_before == granted
}

/// One recorded decision on a version of a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub id: Uuid,
    pub version: i32,
    pub granted: bool,
    pub recorded_at: DateTime<Utc>,
}

/// Where a person stands on one consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// The newest decision, on whichever version; `None` before any.
    pub newest: Option<Decision>,
    /// Whether the current version of the text awaits the person's decision: a decision on an
    /// older wording does not cover a new one.
    pub needs_decision: bool,
}

/// The state of a consent whose text is at `current_version`, from the person's `decisions`
/// on any of its versions. The newest is the latest recorded, ties broken by id.
pub fn state(current_version: i32, decisions: impl IntoIterator<Item = Decision>) -> State {
    let newest = decisions
        .into_iter()
        .max_by_key(|decision| (decision.recorded_at, decision.id));
    State {
        newest,
        needs_decision: newest.is_none_or(|decision| decision.version < current_version),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn decision(version: i32, granted: bool, minutes_ago: i64) -> Decision {
        Decision {
            id: Uuid::now_v7(),
            version,
            granted,
            recorded_at: Utc::now() - Duration::minutes(minutes_ago),
        }
    }

    #[test]
    fn the_newest_decision_stands_and_a_new_wording_awaits_one() {
        let undecided = state(1, []);
        assert_eq!(undecided.newest, None);
        assert!(undecided.needs_decision);

        let (granted, withdrawn) = (decision(1, true, 10), decision(1, false, 5));
        let decided = state(1, [withdrawn, granted]);
        assert_eq!(
            decided.newest,
            Some(withdrawn),
            "the later one, in any order"
        );
        assert!(!decided.needs_decision);

        let renewed = state(2, [granted, withdrawn]);
        assert_eq!(renewed.newest, Some(withdrawn), "still withdrawn");
        assert!(renewed.needs_decision, "version 2 is not decided");
        let on_two = decision(2, true, 1);
        assert!(!state(2, [granted, on_two]).needs_decision);
    }

    #[test]
    fn only_the_analytics_consent_changes_twins() {
        assert!(changes_twins(ANALYTICS));
        assert!(!changes_twins(DATA_SHARING));
        assert!(!changes_twins("marketing"));
    }

    #[test]
    fn a_decision_changes_the_state_only_when_it_turns_it() {
        // Without a decision the consent is not withdrawn.
        assert!(changes_state(None, false));
        assert!(!changes_state(None, true));
        assert!(changes_state(Some(true), false));
        assert!(!changes_state(Some(true), true));
        assert!(changes_state(Some(false), true));
        assert!(!changes_state(Some(false), false));
    }
}
