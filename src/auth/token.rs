//! HS256 tokens: `sub` is the user id, `exp` and `iat` are required, `nbf` is honoured; a token
//! issued in the future or living longer than the configured maximum is refused; `iss` and
//! `aud` are checked when configured.

use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The claims orgraph reads from and writes into a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Not before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Issuer, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// Keys derived once from the secret, reused for every request.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
    /// The longest `exp - iat` accepted.
    max_ttl: Duration,
}

/// The leeway for clocks that disagree, on `exp`, `nbf` and `iat` alike.
const LEEWAY_SECONDS: i64 = 30;

/// The longest lifetime accepted unless configured (`ORGRAPH_JWT_MAX_TTL`).
pub const DEFAULT_MAX_TTL: Duration = Duration::hours(24);

/// Why a token is not accepted; told to the client, which can act on it (sign in again, fix
/// its header), and reveals nothing a forger could use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    NotBearer,
    Expired,
    NotYetValid,
    TooLongLived,
    WrongIssuer,
    WrongAudience,
    /// Malformed, forged, or signed with another algorithm or key.
    Unverifiable,
    /// Well signed, but its person is no longer active (the database says so).
    InactivePerson,
}

impl Rejection {
    fn of(error: &jsonwebtoken::errors::Error) -> Self {
        use jsonwebtoken::errors::ErrorKind;
        match error.kind() {
            ErrorKind::ExpiredSignature => Self::Expired,
            ErrorKind::ImmatureSignature => Self::NotYetValid,
            ErrorKind::InvalidIssuer => Self::WrongIssuer,
            ErrorKind::InvalidAudience => Self::WrongAudience,
            _ => Self::Unverifiable,
        }
    }

    /// The reason, as the client is told it.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NotBearer => "the `Authorization` header must be `Bearer <token>`",
            Self::Expired => "it has expired: sign in again",
            Self::NotYetValid => "it is not valid yet (`nbf` or `iat` lies in the future)",
            Self::TooLongLived => "it lives longer than this server accepts (ORGRAPH_JWT_MAX_TTL)",
            Self::WrongIssuer => "it was issued by another issuer",
            Self::WrongAudience => "it is meant for another audience",
            Self::Unverifiable => "it is malformed or its signature does not verify",
            Self::InactivePerson => "its person is suspended or deleted",
        }
    }
}

impl TokenKeys {
    /// Keys for an HS256 secret.
    pub fn new(secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.validate_nbf = true;
        // Without a configured audience, a token that names one is still accepted.
        validation.validate_aud = false;
        validation.leeway = LEEWAY_SECONDS as u64;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            issuer: None,
            audience: None,
            max_ttl: DEFAULT_MAX_TTL,
        }
    }

    /// Refuses tokens whose `exp - iat` is longer than `max_ttl`.
    pub fn with_max_ttl(mut self, max_ttl: Duration) -> Self {
        self.max_ttl = max_ttl;
        self
    }

    /// The longest lifetime accepted.
    pub fn max_ttl(&self) -> Duration {
        self.max_ttl
    }

    /// Requires (and mints) `iss` = `issuer`.
    pub fn with_issuer(mut self, issuer: &str) -> Self {
        self.validation.set_issuer(&[issuer]);
        self.validation
            .required_spec_claims
            .insert("iss".to_owned());
        self.issuer = Some(issuer.to_owned());
        self
    }

    /// Requires (and mints) `aud` = `audience`.
    pub fn with_audience(mut self, audience: &str) -> Self {
        self.validation.set_audience(&[audience]);
        self.validation.validate_aud = true;
        self.validation
            .required_spec_claims
            .insert("aud".to_owned());
        self.audience = Some(audience.to_owned());
        self
    }

    /// Signs a token for `user_id`, valid for `ttl`.
    pub fn mint(
        &self,
        user_id: Uuid,
        ttl: Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = Utc::now();
        let claims = Claims {
            sub: user_id,
            exp: (now + ttl).timestamp(),
            iat: now.timestamp(),
            nbf: None,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Checks signature, algorithm, `exp`, `nbf`, `iat` and lifetime, and returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, Rejection> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|error| Rejection::of(&error))?
            .claims;
        if claims.iat > Utc::now().timestamp() + LEEWAY_SECONDS {
            return Err(Rejection::NotYetValid);
        }
        if claims.exp - claims.iat > self.max_ttl.num_seconds() {
            return Err(Rejection::TooLongLived);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn minted_token_verifies_to_its_user() {
        let keys = TokenKeys::new(SECRET);
        let user = Uuid::now_v7();
        let token = keys.mint(user, Duration::hours(1)).unwrap();
        assert_eq!(keys.verify(&token).unwrap().sub, user);
    }

    #[test]
    fn expired_token_is_refused() {
        let keys = TokenKeys::new(SECRET);
        let token = keys.mint(Uuid::now_v7(), Duration::hours(-1)).unwrap();
        assert!(keys.verify(&token).is_err());
    }

    fn signed(keys: &TokenKeys, claims: serde_json::Value) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap()
    }

    #[test]
    fn a_token_from_the_future_or_for_too_long_is_refused() {
        let keys = TokenKeys::new(SECRET);
        let (user, now) = (Uuid::now_v7(), Utc::now().timestamp());
        let claims = |iat: i64, exp: i64, nbf: Option<i64>| {
            let mut claims = serde_json::json!({ "sub": user, "iat": iat, "exp": exp });
            if let Some(nbf) = nbf {
                claims["nbf"] = nbf.into();
            }
            claims
        };
        let verify = |claims| keys.verify(&signed(&keys, claims));
        assert!(verify(claims(now, now + 3600, None)).is_ok());
        assert!(
            verify(claims(now + 10, now + 3600, Some(now + 10))).is_ok(),
            "within leeway"
        );
        assert_eq!(
            verify(claims(now, now + 3600, Some(now + 600))),
            Err(Rejection::NotYetValid)
        );
        assert_eq!(
            verify(claims(now + 600, now + 3600, None)),
            Err(Rejection::NotYetValid)
        );
        assert_eq!(
            verify(claims(now, 253_402_300_799, None)),
            Err(Rejection::TooLongLived),
            "exp in the year 9999"
        );
        let longer = keys.clone().with_max_ttl(Duration::days(400));
        assert!(
            longer
                .verify(&signed(&keys, claims(now, now + 86_400 * 365, None)))
                .is_ok()
        );
        let without_iat = serde_json::json!({ "sub": user, "exp": now + 60 });
        assert_eq!(verify(without_iat), Err(Rejection::Unverifiable));
    }

    #[test]
    fn token_signed_with_another_key_is_refused() {
        let token = TokenKeys::new("another-secret-another-secret-00")
            .mint(Uuid::now_v7(), Duration::hours(1))
            .unwrap();
        assert!(TokenKeys::new(SECRET).verify(&token).is_err());
    }

    #[test]
    fn configured_issuer_and_audience_are_required() {
        let plain = TokenKeys::new(SECRET)
            .mint(Uuid::now_v7(), Duration::hours(1))
            .unwrap();
        let strict = TokenKeys::new(SECRET)
            .with_issuer("orgraph")
            .with_audience("dashboards");
        assert!(strict.verify(&plain).is_err(), "a token without iss/aud");
        let foreign = TokenKeys::new(SECRET)
            .with_issuer("someone-else")
            .with_audience("dashboards")
            .mint(Uuid::now_v7(), Duration::hours(1))
            .unwrap();
        assert!(
            strict.verify(&foreign).is_err(),
            "a token from another issuer"
        );
        let own = strict.mint(Uuid::now_v7(), Duration::hours(1)).unwrap();
        assert!(strict.verify(&own).is_ok());
        assert!(
            TokenKeys::new(SECRET).verify(&own).is_ok(),
            "iss/aud ignored when not configured"
        );
    }
}
