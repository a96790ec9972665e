//! What a consent decision changes. A decision stands until a newer one on the same consent
//! (any version of its text); without any decision a consent is not withdrawn.

/// Withdrawn: the person's assessments stop counting in their organisations' analytics and
/// digital twins.
pub const ANALYTICS: &str = "analytics";
/// Withdrawn by an owner: the organisation leaves every industry benchmark cohort.
pub const DATA_SHARING: &str = "data_sharing";

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

#[cfg(test)]
mod tests {
    use super::*;

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
