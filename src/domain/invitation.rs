//! Invitations to an organisation: how long they stay open, who may answer them and when, and
//! the single-use token that proves the invitee received one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entity::enums::InvitationStatus;
use sha2::{Digest, Sha256};

use super::validation::Invalid;

/// How long an invitation stays open unless the inviter says otherwise.
pub const DEFAULT_DAYS: i64 = 7;
/// The longest an invitation may stay open.
pub const MAX_DAYS: i64 = 30;

/// Why an invitation cannot be acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It was accepted, declined or revoked already, or has expired.
    Closed(InvitationStatus),
    /// A resend or revoke of an invitation that was answered.
    Answered(InvitationStatus),
}

impl Refusal {
    /// A sentence for the client.
    pub fn message(self) -> String {
        match self {
            Self::Closed(InvitationStatus::Expired) => {
                "this invitation has expired; ask for it to be sent again".into()
            }
            Self::Closed(status) | Self::Answered(status) => {
                format!("this invitation is {} already", status.as_str())
            }
        }
    }
}

/// How long a new or resent invitation stays open: `days` from 1 to [`MAX_DAYS`], else
/// [`DEFAULT_DAYS`].
pub fn validity(days: Option<i32>) -> Result<Duration, Invalid> {
    let days = days.map_or(DEFAULT_DAYS, i64::from);
    if (1..=MAX_DAYS).contains(&days) {
        Ok(Duration::days(days))
    } else {
        Err(Invalid(format!("must be from 1 to {MAX_DAYS} days")))
    }
}

/// Where an invitation stands at `now`: a pending one past its expiry has expired.
pub fn status_at(
    stored: InvitationStatus,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> InvitationStatus {
    if stored == InvitationStatus::Pending && expires_at <= now {
        InvitationStatus::Expired
    } else {
        stored
    }
}

/// May the invitee accept or decline now? Only while it is pending and unexpired.
pub fn may_answer(
    stored: InvitationStatus,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    match status_at(stored, expires_at, now) {
        InvitationStatus::Pending => Ok(()),
        status => Err(Refusal::Closed(status)),
    }
}

/// May an admin resend or revoke it? While nobody has answered it, expired or not.
pub fn may_reissue(stored: InvitationStatus) -> Result<(), Refusal> {
    match stored {
        InvitationStatus::Pending | InvitationStatus::Expired => Ok(()),
        status => Err(Refusal::Answered(status)),
    }
}

/// Is an invitation to `invitee_email` addressed to the person whose account has `email`?
pub fn addressed_to(invitee_email: &str, email: &str) -> bool {
    invitee_email.eq_ignore_ascii_case(email.trim())
}

/// A new single-use token: 32 random bytes, URL-safe. Shown to the inviter once, never stored.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored of a token: its SHA-256, in hex. A token of 32 random bytes needs no salt
/// or slow hash: it cannot be guessed, only copied.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use InvitationStatus::*;

    #[test]
    fn an_invitation_stays_open_one_to_thirty_days() {
        assert_eq!(validity(None), Ok(Duration::days(7)));
        assert_eq!(validity(Some(30)), Ok(Duration::days(30)));
        assert!(validity(Some(0)).is_err());
        assert!(validity(Some(31)).is_err());
        assert!(validity(Some(-3)).is_err());
    }

    #[test]
    fn a_pending_invitation_expires_at_its_expiry_and_only_a_pending_one() {
        let now = Utc::now();
        let past = now - Duration::seconds(1);
        assert_eq!(status_at(Pending, now + Duration::hours(1), now), Pending);
        assert_eq!(status_at(Pending, now, now), Expired);
        assert_eq!(status_at(Accepted, past, now), Accepted);
        assert_eq!(status_at(Revoked, past, now), Revoked);
    }

    #[test]
    fn only_an_open_invitation_is_answered() {
        let now = Utc::now();
        let later = now + Duration::days(1);
        assert_eq!(may_answer(Pending, later, now), Ok(()));
        assert_eq!(
            may_answer(Pending, now - Duration::seconds(1), now),
            Err(Refusal::Closed(Expired))
        );
        for status in [Accepted, Declined, Revoked, Expired] {
            assert_eq!(may_answer(status, later, now), Err(Refusal::Closed(status)));
        }
        assert!(Refusal::Closed(Expired).message().contains("expired"));
    }

    #[test]
    fn an_unanswered_invitation_is_resent_or_revoked_an_answered_one_not() {
        assert_eq!(may_reissue(Pending), Ok(()));
        assert_eq!(may_reissue(Expired), Ok(()));
        for status in [Accepted, Declined, Revoked] {
            assert_eq!(may_reissue(status), Err(Refusal::Answered(status)));
        }
    }

    #[test]
    fn the_address_is_compared_without_case() {
        assert!(addressed_to("ada@example.com", "Ada@Example.com"));
        assert!(!addressed_to("ada@example.com", "ada@example.org"));
    }

    #[test]
    fn tokens_are_unguessable_and_stored_as_their_hash() {
        let (one, other) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(one, other);
        assert_eq!(one.len(), 43, "32 bytes in unpadded base64");
        assert_eq!(token_hash(&one), token_hash(&one));
        assert_ne!(token_hash(&one), token_hash(&other));
        assert_eq!(token_hash(&one).len(), 64);
        // SHA-256 of the empty string, to show which hash it is.
        assert_eq!(
            token_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
