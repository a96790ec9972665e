//! HS256 tokens: `sub` is the user id, `exp` is required; `iss` and `aud` are checked when
//! configured.

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
}

impl TokenKeys {
    /// Keys for an HS256 secret.
    pub fn new(secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        // Without a configured audience, a token that names one is still accepted.
        validation.validate_aud = false;
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            issuer: None,
            audience: None,
        }
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
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Checks signature, algorithm and expiry, and returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
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
