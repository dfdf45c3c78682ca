//! Request and response shapes of the auth endpoints.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffLoginRequest {
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
    /// Browser clients: put the refresh token in an HttpOnly, SameSite=Strict cookie scoped to
    /// `/api/v1/auth` instead of the answer (send `X-Ztc-Client` with the request).
    #[serde(default)]
    pub refresh_cookie: bool,
}

/// The code from `wx.login()` (single use, 5 minutes).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WechatLoginRequest {
    pub code: String,
}

/// Refresh or logout. Without `refresh_token` the token is read from the `ztc_refresh`
/// cookie, which requires the `X-Ztc-Client` header.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: Option<String>,
    /// Answer with the new refresh token in the cookie rather than in the body. Implied when
    /// the token came from the cookie.
    #[serde(default)]
    pub refresh_cookie: bool,
}

// `Debug` is written by hand below: it leaves the tokens out, so a logged response never
// carries a usable credential.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Opaque; exchange it at `/api/v1/auth/refresh`. Each one works once. Absent when it
    /// was set as the `ztc_refresh` cookie instead (`refresh_cookie`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
}

impl TokenResponse {
    pub fn bearer(access_token: String, refresh_token: Option<String>, expires_in: i64) -> Self {
        TokenResponse {
            access_token,
            refresh_token,
            token_type: "Bearer".into(),
            expires_in,
        }
    }
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[REDACTED]")
            .field("refresh_token", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_shows_no_token() {
        let r = TokenResponse::bearer(
            "eyJ.access.sig".into(),
            Some("opaque-refresh-42".into()),
            900,
        );
        let shown = format!("{r:?} {r:#?}");
        assert!(!shown.contains("eyJ.access.sig"), "{shown}");
        assert!(!shown.contains("opaque-refresh-42"), "{shown}");
        assert!(shown.contains("Bearer") && shown.contains("900"), "{shown}");
    }
}
