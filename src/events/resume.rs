//! Resume tokens: where a subscriber was in its organisation's events, opaque to it. The
//! `events` sequence is global, so a client that saw it in clear could count what other
//! organisations write; the token is the sequence encrypted under a server key and bound to
//! the organisation (a four-round Feistel network over HMAC-SHA256, a pseudorandom
//! permutation), with a tag that refuses a forged or another organisation's token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the tag that authenticates a token.
const TAG_BYTES: usize = 8;

/// Feistel rounds: four make a strong pseudorandom permutation (Luby–Rackoff).
const ROUNDS: u8 = 4;

/// Encodes and decodes resume tokens with a key derived from the server's secret.
#[derive(Clone)]
pub struct ResumeTokens {
    key: [u8; 32],
}

/// A token that is malformed, forged, or another organisation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidToken;

impl ResumeTokens {
    /// Tokens keyed by `secret` (the JWT secret; a label keeps the two uses apart).
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"orgraph resume tokens v1");
        Self {
            key: mac.finalize().into_bytes().into(),
        }
    }

    /// The token of position `sequence` in `organization`'s events.
    pub fn encode(&self, organization: Uuid, sequence: i64) -> String {
        let block = self.permute(organization, sequence.to_be_bytes(), false);
        let mut token = block.to_vec();
        token.extend_from_slice(&self.tag(organization, &block)[..TAG_BYTES]);
        URL_SAFE_NO_PAD.encode(token)
    }

    /// The position a token of `organization` names.
    pub fn decode(&self, organization: Uuid, token: &str) -> Result<i64, InvalidToken> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| InvalidToken)?;
        if bytes.len() != 8 + TAG_BYTES {
            return Err(InvalidToken);
        }
        let (block, tag) = bytes.split_at(8);
        let block: [u8; 8] = block.try_into().map_err(|_| InvalidToken)?;
        let mut mac = self.mac(organization, b"tag");
        mac.update(&block);
        mac.verify_truncated_left(tag).map_err(|_| InvalidToken)?;
        Ok(i64::from_be_bytes(self.permute(organization, block, true)))
    }

    fn mac(&self, organization: Uuid, purpose: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(purpose);
        mac.update(organization.as_bytes());
        mac
    }

    fn tag(&self, organization: Uuid, block: &[u8; 8]) -> [u8; 32] {
        let mut mac = self.mac(organization, b"tag");
        mac.update(block);
        mac.finalize().into_bytes().into()
    }

    /// The Feistel network over the block's two halves, forwards or backwards.
    fn permute(&self, organization: Uuid, block: [u8; 8], inverse: bool) -> [u8; 8] {
        let (mut left, mut right) = (
            u32::from_be_bytes(block[..4].try_into().expect("four bytes")),
            u32::from_be_bytes(block[4..].try_into().expect("four bytes")),
        );
        let round = |number: u8, half: u32| {
            let mut mac = self.mac(organization, b"round");
            mac.update(&[number]);
            mac.update(&half.to_be_bytes());
            let out = mac.finalize().into_bytes();
            u32::from_be_bytes(out[..4].try_into().expect("four bytes"))
        };
        if inverse {
            for number in (0..ROUNDS).rev() {
                (left, right) = (right ^ round(number, left), left);
            }
        } else {
            for number in 0..ROUNDS {
                (left, right) = (right, left ^ round(number, right));
            }
        }
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&left.to_be_bytes());
        out[4..].copy_from_slice(&right.to_be_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> ResumeTokens {
        ResumeTokens::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_token_decodes_to_its_position_for_its_organisation_only() {
        let (tokens, alpha, beta) = (tokens(), Uuid::now_v7(), Uuid::now_v7());
        for sequence in [0, 1, 2, 41, 1 << 40, i64::MAX] {
            let token = tokens.encode(alpha, sequence);
            assert_eq!(tokens.decode(alpha, &token), Ok(sequence));
            assert_eq!(tokens.decode(beta, &token), Err(InvalidToken));
        }
    }

    #[test]
    fn a_token_does_not_show_the_sequence() {
        let (tokens, alpha) = (tokens(), Uuid::now_v7());
        let first = URL_SAFE_NO_PAD.decode(tokens.encode(alpha, 1)).unwrap();
        let second = URL_SAFE_NO_PAD.decode(tokens.encode(alpha, 2)).unwrap();
        assert_ne!(first[..8], 1i64.to_be_bytes());
        // Neighbouring positions differ in about half their bits, not in the last one.
        let differing: u32 = first[..8]
            .iter()
            .zip(&second[..8])
            .map(|(a, b)| (a ^ b).count_ones())
            .sum();
        assert!(differing > 8, "{differing} bits differ");
    }

    #[test]
    fn a_forged_or_malformed_token_is_refused() {
        let (tokens, alpha) = (tokens(), Uuid::now_v7());
        let mut bytes = URL_SAFE_NO_PAD.decode(tokens.encode(alpha, 7)).unwrap();
        bytes[0] ^= 1;
        let forged = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(tokens.decode(alpha, &forged), Err(InvalidToken));
        for malformed in ["", "!!", "AAAA", &URL_SAFE_NO_PAD.encode([0u8; 8])] {
            assert_eq!(
                tokens.decode(alpha, malformed),
                Err(InvalidToken),
                "{malformed}"
            );
        }
        let other_key = ResumeTokens::new(b"another-secret-another-secret-00");
        assert_eq!(
            other_key.decode(alpha, &tokens.encode(alpha, 7)),
            Err(InvalidToken)
        );
    }
}
