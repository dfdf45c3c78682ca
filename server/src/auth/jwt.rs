//! Access tokens: HS256 JWTs with a pinned algorithm, a key id for rotation, and validated
//! `iss`/`aud`/`exp`/`sub`. Staff and residents get different audiences.

use std::collections::HashMap;

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::AuthSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Staff,
    Resident,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Staff => "ztc-staff",
            Audience::Resident => "ztc-resident",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: String,
    /// Always `access`: refresh tokens are opaque and never JWTs.
    pub typ: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("token expired")]
    Expired,
    #[error("token invalid")]
    Invalid,
}

pub struct JwtKeys {
    signing_kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    issuer: String,
    ttl_secs: i64,
}

impl JwtKeys {
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let first = settings
            .jwt_keys
            .first()
            .ok_or_else(|| anyhow::anyhow!("ZTC_JWT_KEYS: no keys"))?;
        let encoding = EncodingKey::from_secret(first.secret.expose())?;
        let mut decoding = HashMap::new();
        for key in &settings.jwt_keys {
            decoding.insert(
                key.kid.clone(),
                DecodingKey::from_secret(key.secret.expose())?,
            );
        }
        Ok(JwtKeys {
            signing_kid: first.kid.clone(),
            encoding,
            decoding,
            issuer: settings.issuer.clone(),
            ttl_secs: settings.access_ttl.as_secs() as i64,
        })
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Signs an access token for `subject`; returns it with its lifetime in seconds.
    pub fn issue(&self, audience: Audience, subject: Uuid) -> anyhow::Result<(String, i64)> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: audience.as_str().into(),
            sub: subject.to_string(),
            exp: now + self.ttl_secs,
            nbf: now,
            iat: now,
            jti: Uuid::now_v7().to_string(),
            typ: "access".into(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        let token = encode(&header, &claims, &self.encoding)?;
        Ok((token, self.ttl_secs))
    }

    /// Verifies signature, algorithm, key id, issuer, audience, expiry and type; returns the
    /// subject.
    pub fn verify(&self, token: &str, audience: Audience) -> Result<Uuid, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS256
            || header.jku.is_some()
            || header.jwk.is_some()
            || header.x5u.is_some()
        {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let key = self.decoding.get(&kid).ok_or(TokenError::Invalid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience.as_str()]);
        validation.set_issuer(&[self.issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "nbf"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        let data = decode::<Claims>(token, key, &validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })?;
        if data.claims.typ != "access" {
            return Err(TokenError::Invalid);
        }
        Uuid::parse_str(&data.claims.sub).map_err(|_| TokenError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{JwtKey, SecretBytes};
    use std::time::Duration;

    fn settings(keys: &[(&str, u8)]) -> AuthSettings {
        AuthSettings {
            jwt_keys: keys
                .iter()
                .map(|(kid, b)| JwtKey {
                    kid: kid.to_string(),
                    secret: SecretBytes::new(vec![*b; 32]),
                })
                .collect(),
            issuer: "zhitongche".into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(86400),
        }
    }

    #[test]
    fn a_token_verifies_only_for_its_audience() {
        let keys = JwtKeys::new(&settings(&[("a", 1)])).unwrap();
        let id = Uuid::now_v7();
        let (token, ttl) = keys.issue(Audience::Staff, id).unwrap();
        assert_eq!(ttl, 900);
        assert_eq!(keys.verify(&token, Audience::Staff), Ok(id));
        assert_eq!(
            keys.verify(&token, Audience::Resident),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn rotated_keys_keep_old_tokens_valid_and_unknown_kids_fail() {
        let old = JwtKeys::new(&settings(&[("old", 1)])).unwrap();
        let (token, _) = old.issue(Audience::Staff, Uuid::now_v7()).unwrap();
        let rotated = JwtKeys::new(&settings(&[("new", 2), ("old", 1)])).unwrap();
        assert!(rotated.verify(&token, Audience::Staff).is_ok());
        let other = JwtKeys::new(&settings(&[("new", 2)])).unwrap();
        assert_eq!(
            other.verify(&token, Audience::Staff),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn unsigned_and_foreign_algorithm_tokens_are_rejected() {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
        let keys = JwtKeys::new(&settings(&[("a", 1)])).unwrap();
        let (token, _) = keys.issue(Audience::Staff, Uuid::now_v7()).unwrap();
        let payload = token.split('.').nth(1).unwrap();
        for header in [
            r#"{"alg":"none","kid":"a"}"#,
            r#"{"alg":"HS512","kid":"a"}"#,
        ] {
            let forged = format!("{}.{}.", B64.encode(header), payload);
            assert_eq!(
                keys.verify(&forged, Audience::Staff),
                Err(TokenError::Invalid)
            );
        }
        let mut tampered = token.clone();
        tampered.push('x');
        assert_eq!(
            keys.verify(&tampered, Audience::Staff),
            Err(TokenError::Invalid)
        );
    }
}
