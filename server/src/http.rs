//! Small request helpers shared by every domain.

use actix_web::{HttpRequest, http::header};

use crate::config::Settings;

/// The caller's IP: the socket peer, or the first `X-Forwarded-For` hop when
/// `ZTC_TRUST_PROXY` says a proxy sets it.
pub fn client_ip(req: &HttpRequest, settings: &Settings) -> String {
    if settings.trust_proxy
        && let Some(ip) = req.connection_info().realip_remote_addr()
    {
        return ip.to_string();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Opaque keyset cursors: base64url of the last key seen.
pub mod cursor {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};

    use crate::error::AppError;

    pub fn encode(key: &str) -> String {
        B64.encode(key)
    }

    pub fn decode(cursor: &str) -> Result<String, AppError> {
        B64.decode(cursor)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                AppError::bad_request("invalid_cursor", "分页游标无效,请从第一页重新查询")
            })
    }

    /// Clamps a requested page size to 1..=max, defaulting to `default`.
    pub fn limit(requested: Option<u64>, default: u64, max: u64) -> u64 {
        requested.unwrap_or(default).clamp(1, max)
    }
}
