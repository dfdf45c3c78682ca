//! WeChat's request and response bodies, and the typed results the client hands back.

use std::{collections::BTreeMap, fmt};

use serde::{Deserialize, Deserializer, Serialize};

/// `jscode2session`: who logged in. `session_key` is deliberately not deserialised: the
/// service never needs it, so it is never held, stored or logged.
#[derive(Clone, Deserialize)]
pub struct Session {
    pub openid: String,
    #[serde(default)]
    pub unionid: Option<String>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("openid", &mask_openid(&self.openid))
            .field("unionid", &self.unionid.as_deref().map(mask_openid))
            .finish()
    }
}

/// `oAbc…xyz9`: enough to correlate log lines, not the identifier itself.
pub fn mask_openid(openid: &str) -> String {
    let chars: Vec<char> = openid.chars().collect();
    if chars.len() <= 8 {
        return "***".into();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[derive(Deserialize)]
pub(crate) struct StableTokenResponse {
    pub access_token: String,
    pub expires_in: i64,
}

#[derive(Serialize)]
pub(crate) struct StableTokenRequest<'a> {
    pub grant_type: &'static str,
    pub appid: &'a str,
    pub secret: &'a str,
    pub force_refresh: bool,
}

#[derive(Deserialize)]
pub(crate) struct PhoneResponse {
    pub phone_info: PhoneInfo,
}

/// `getuserphonenumber`'s `phone_info`. Not `Debug`: it is personal data.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneInfo {
    /// With the country code for foreign numbers.
    pub phone_number: String,
    /// Without the country code.
    pub pure_phone_number: String,
    /// Documented as a string, seen as a number.
    #[serde(deserialize_with = "string_or_number")]
    pub country_code: String,
    pub watermark: Watermark,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Watermark {
    pub appid: String,
    #[serde(default)]
    pub timestamp: Option<i64>,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        N(i64),
    }
    Ok(match Either::deserialize(d)? {
        Either::S(s) => s,
        Either::N(n) => n.to_string(),
    })
}

/// `getwxacodeunlimit` parameters.
#[derive(Debug, Clone, Serialize)]
pub struct WxaCodeRequest {
    /// ≤ 32 characters from WeChat's allowed set.
    pub scene: String,
    /// No leading `/`, no query.
    pub page: String,
    /// `false` lets unpublished pages (trial, develop builds) work.
    pub check_path: bool,
    pub env_version: String,
    pub width: u32,
}

/// An image WeChat produced (PNG or JPEG, checked by magic bytes).
#[derive(Debug, Clone)]
pub struct Image {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// One `data` entry of a subscribe message: `{"thing1": {"value": "…"}}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DataValue {
    pub value: String,
}

/// `cgi-bin/message/subscribe/send` body. Values must already respect their type's limits
/// (`thing` ≤ 20 characters, …): the notification code validates them.
#[derive(Clone, Serialize)]
pub struct SubscribeMessage {
    pub touser: String,
    pub template_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    pub data: BTreeMap<String, DataValue>,
    /// `developer`, `trial` or `formal`.
    pub miniprogram_state: String,
    pub lang: String,
}

impl fmt::Debug for SubscribeMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscribeMessage")
            .field("touser", &mask_openid(&self.touser))
            .field("template_id", &self.template_id)
            .field("page", &self.page)
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What became of a subscribe message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// WeChat accepted it; `msgid` (a 64-bit integer) as a string, to match
    /// `subscribe_msg_sent_event.MsgID`.
    Sent { msgid: String },
    /// Dev WeChat mode: recorded in the log, nothing sent.
    SentInDev,
}

/// `msg_sec_check` v2 request.
#[derive(Clone, Serialize)]
pub struct SecCheckRequest {
    pub content: String,
    /// 1 资料, 2 评论, 3 论坛, 4 社交日志.
    pub scene: u8,
    pub openid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct SecCheckBody<'a> {
    #[serde(flatten)]
    pub req: &'a SecCheckRequest,
    pub version: u8,
}

/// v2 answers errcode 0 even for risky text: the verdict is `suggest`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suggest {
    Pass,
    Review,
    Risky,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SecCheckVerdict {
    pub suggest: Suggest,
    #[serde(default)]
    pub label: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SecCheckResult {
    pub result: SecCheckVerdict,
    #[serde(default)]
    pub trace_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_code_may_be_a_string_or_a_number() {
        for cc in ["\"86\"", "86"] {
            let json = format!(
                r#"{{"phoneNumber":"13812345678","purePhoneNumber":"13812345678","countryCode":{cc},"watermark":{{"timestamp":1,"appid":"wx1"}}}}"#
            );
            let info: PhoneInfo = serde_json::from_str(&json).unwrap();
            assert_eq!(info.country_code, "86");
        }
    }

    #[test]
    fn openids_are_masked_in_debug_output() {
        let s: Session = serde_json::from_str(
            r#"{"openid":"oAbcdefghijklmnop1234","session_key":"c2VjcmV0a2V5","unionid":null}"#,
        )
        .unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("oAbcdefghijklmnop1234"));
        assert!(!debug.contains("c2VjcmV0a2V5"));
        assert_eq!(mask_openid("short"), "***");
    }
}
