//! Request and response shapes of the auth endpoints.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffLoginRequest {
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
}

/// The code from `wx.login()` (single use, 5 minutes).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WechatLoginRequest {
    pub code: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

// `Debug` is written by hand below: it leaves the tokens out, so a logged response never
// carries a usable credential.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Opaque; exchange it at `/api/v1/auth/refresh`. Each one works once.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
}

impl TokenResponse {
    pub fn bearer(access_token: String, refresh_token: String, expires_in: i64) -> Self {
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
        let r = TokenResponse::bearer("eyJ.access.sig".into(), "opaque-refresh-42".into(), 900);
        let shown = format!("{r:?} {r:#?}");
        assert!(!shown.contains("eyJ.access.sig"), "{shown}");
        assert!(!shown.contains("opaque-refresh-42"), "{shown}");
        assert!(shown.contains("Bearer") && shown.contains("900"), "{shown}");
    }
}
