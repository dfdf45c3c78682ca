//! Typed WeChat errors. WeChat answers errors with HTTP 200 and `{errcode, errmsg}`; the
//! `rid` inside `errmsg` is kept because WeChat support asks for it.

/// WeChat error codes the service reacts to.
pub mod codes {
    /// System busy: transient, retry with backoff.
    pub const SYSTEM_BUSY: i64 = -1;
    /// Invalid credential / access token.
    pub const INVALID_CREDENTIAL: i64 = 40001;
    pub const INVALID_OPENID: i64 = 40003;
    pub const INVALID_ACCESS_TOKEN: i64 = 40014;
    /// Invalid code (expired, used or from another appid).
    pub const INVALID_CODE: i64 = 40029;
    pub const INVALID_TEMPLATE_ID: i64 = 40037;
    pub const CODE_USED: i64 = 40163;
    pub const INVALID_SCENE: i64 = 40169;
    /// The user is blocked by WeChat's risk control.
    pub const CODE_BLOCKED: i64 = 40226;
    pub const INVALID_PAGE: i64 = 41030;
    pub const ACCESS_TOKEN_EXPIRED: i64 = 42001;
    /// The user gave no (or no remaining) consent for the subscribe template.
    pub const NO_SUBSCRIPTION: i64 = 43101;
    pub const DAILY_QUOTA: i64 = 45009;
    pub const MINUTE_QUOTA: i64 = 45011;
    pub const DATA_FORMAT: i64 = 47001;
    pub const INVALID_ARGUMENT: i64 = 47003;
}

/// How a caller should treat a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Network trouble, `-1`, `45011`: try again later.
    Transient,
    /// The access token was rejected (handled inside the client: one refresh, one retry).
    TokenInvalid,
    /// A login or phone code that is expired, used or foreign: ask the user again.
    CodeInvalid,
    /// WeChat's risk control blocked this user.
    UserBlocked,
    /// `43101`: the resident has no subscribe consent left; a normal outcome, not a failure.
    NoConsent,
    /// `47003`, `40037`, `41030`, `40169`, `47001`, `40003`: our request is wrong. Alert.
    OurBug,
    /// `45009`: the daily quota is gone. Alert; retrying today will not help.
    Quota,
    /// Anything else, including answers we could not understand.
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum WechatError {
    /// WeChat answered with a non-zero `errcode`.
    #[error("WeChat errcode {errcode}: {errmsg}")]
    Api {
        errcode: i64,
        errmsg: String,
        rid: Option<String>,
    },
    /// The call did not complete (connect, timeout, body read). Never carries a URL, since
    /// URLs hold the secret or the access token.
    #[error("WeChat unreachable: {0}")]
    Transport(String),
    /// WeChat answered something we cannot use (not JSON, JSON where an image was expected,
    /// a missing field).
    #[error("unexpected WeChat answer: {0}")]
    Protocol(String),
    /// A phone number whose watermark names another appid.
    #[error("phone number watermark names another appid")]
    WatermarkMismatch,
    /// Dev WeChat mode: there is no app to call.
    #[error("WeChat is not configured (dev WeChat mode)")]
    NotConfigured,
}

impl WechatError {
    pub(crate) fn api(errcode: i64, errmsg: impl Into<String>) -> Self {
        let errmsg = errmsg.into();
        WechatError::Api {
            errcode,
            rid: rid_of(&errmsg),
            errmsg,
        }
    }

    pub(crate) fn transport(e: reqwest::Error) -> Self {
        // `without_url`: a URL may carry the app secret or the access token.
        let e = e.without_url();
        let kind = if e.is_timeout() {
            "timeout"
        } else if e.is_connect() {
            "connect"
        } else {
            "request"
        };
        WechatError::Transport(format!("{kind}: {e}"))
    }

    /// WeChat's `errcode`, when WeChat answered with one.
    pub fn errcode(&self) -> Option<i64> {
        match self {
            WechatError::Api { errcode, .. } => Some(*errcode),
            _ => None,
        }
    }

    /// The request id WeChat support asks for.
    pub fn rid(&self) -> Option<&str> {
        match self {
            WechatError::Api { rid, .. } => rid.as_deref(),
            _ => None,
        }
    }

    pub fn class(&self) -> ErrorClass {
        use codes::*;
        match self {
            WechatError::Transport(_) => ErrorClass::Transient,
            WechatError::Api { errcode, .. } => match *errcode {
                SYSTEM_BUSY | MINUTE_QUOTA => ErrorClass::Transient,
                INVALID_CREDENTIAL | INVALID_ACCESS_TOKEN | ACCESS_TOKEN_EXPIRED => {
                    ErrorClass::TokenInvalid
                }
                INVALID_CODE | CODE_USED => ErrorClass::CodeInvalid,
                CODE_BLOCKED => ErrorClass::UserBlocked,
                NO_SUBSCRIPTION => ErrorClass::NoConsent,
                INVALID_ARGUMENT | INVALID_TEMPLATE_ID | INVALID_PAGE | INVALID_SCENE
                | DATA_FORMAT | INVALID_OPENID => ErrorClass::OurBug,
                DAILY_QUOTA => ErrorClass::Quota,
                _ => ErrorClass::Other,
            },
            WechatError::Protocol(_)
            | WechatError::WatermarkMismatch
            | WechatError::NotConfigured => ErrorClass::Other,
        }
    }

    pub(crate) fn is_token_invalid(&self) -> bool {
        self.class() == ErrorClass::TokenInvalid
    }

    /// `-1` and `45011` only: network errors are not retried inside the client, because the
    /// request may already have taken effect.
    pub(crate) fn is_busy(&self) -> bool {
        matches!(
            self.errcode(),
            Some(codes::SYSTEM_BUSY) | Some(codes::MINUTE_QUOTA)
        )
    }
}

/// The generic API answer for a WeChat failure a handler has no better mapping for: transient
/// ones are 503 (try again), the rest 502. WeChat's errcode and rid go to the log only.
impl From<WechatError> for crate::error::AppError {
    fn from(e: WechatError) -> Self {
        use crate::error::codes;
        tracing::warn!(errcode = ?e.errcode(), rid = ?e.rid(), class = ?e.class(), error = %e, "WeChat call failed");
        match e.class() {
            ErrorClass::Transient => codes::WECHAT_UNAVAILABLE.into(),
            _ if matches!(e, WechatError::NotConfigured) => codes::WECHAT_NOT_CONFIGURED.into(),
            _ => codes::WECHAT_ERROR.into(),
        }
    }
}

/// `"invalid code, rid: 6530f8c1-…"` → `6530f8c1-…`.
fn rid_of(errmsg: &str) -> Option<String> {
    let (_, rest) = errmsg.rsplit_once("rid:")?;
    let rid: String = rest
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (!rid.is_empty()).then_some(rid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rid_is_kept_from_errmsg() {
        let e = WechatError::api(40029, "invalid code, rid: 6530f8c1-2c3d4e5f-1a2b3c4d");
        assert_eq!(e.rid(), Some("6530f8c1-2c3d4e5f-1a2b3c4d"));
        assert_eq!(e.errcode(), Some(40029));
        assert_eq!(e.class(), ErrorClass::CodeInvalid);
        assert_eq!(WechatError::api(-1, "system error").rid(), None);
    }

    #[test]
    fn errcodes_are_classified_for_callers() {
        let class = |c| WechatError::api(c, "x").class();
        assert_eq!(class(43101), ErrorClass::NoConsent);
        for c in [47003, 40037, 41030] {
            assert_eq!(class(c), ErrorClass::OurBug, "{c}");
        }
        for c in [40001, 40014, 42001] {
            assert_eq!(class(c), ErrorClass::TokenInvalid, "{c}");
        }
        assert_eq!(class(-1), ErrorClass::Transient);
        assert_eq!(class(45011), ErrorClass::Transient);
        assert_eq!(class(45009), ErrorClass::Quota);
        assert_eq!(class(40226), ErrorClass::UserBlocked);
        assert!(WechatError::api(-1, "busy").is_busy());
        assert!(!WechatError::Transport("timeout".into()).is_busy());
    }
}
