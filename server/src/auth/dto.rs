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

#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
