//! The mini-program server APIs the service uses, against the configured app.

use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::wechat::{
    dto::{
        Image, PhoneInfo, PhoneResponse, SecCheckBody, SecCheckRequest, SecCheckResult,
        SendOutcome, Session, SubscribeMessage, WxaCodeRequest, mask_openid,
    },
    errors::WechatError,
    live::Live,
    transport::Expect,
};

type Result<T> = std::result::Result<T, WechatError>;

impl Live {
    /// `sns/jscode2session`: exactly one attempt per code, since a code works once.
    pub async fn code2session(&self, code: &str) -> Result<Session> {
        let query = [
            ("appid", self.app_id.as_str()),
            ("secret", self.app_secret.expose_secret()),
            ("js_code", code),
            ("grant_type", "authorization_code"),
        ];
        let session: Session = self
            .transport
            .get_json("sns/jscode2session", &query)
            .await?;
        tracing::debug!(openid = %mask_openid(&session.openid), "code2session succeeded");
        Ok(session)
    }

    /// `wxa/business/getuserphonenumber` (paid per success). The watermark must name our appid.
    pub async fn phone_number(&self, code: &str) -> Result<PhoneInfo> {
        let body = json!({ "code": code });
        let info = self
            .call("wxa/business/getuserphonenumber", &body, Expect::Json)
            .await?
            .json::<PhoneResponse>()?
            .phone_info;
        if info.watermark.appid != self.app_id {
            tracing::warn!(
                watermark_appid = %info.watermark.appid,
                "phone number watermark names another appid; refused"
            );
            return Err(WechatError::WatermarkMismatch);
        }
        Ok(info)
    }

    /// `wxa/getwxacodeunlimit`: the image, or an error when WeChat answers JSON (whatever the
    /// Content-Type says) or bytes that are not PNG/JPEG.
    pub async fn wxacode_unlimited(&self, req: &WxaCodeRequest) -> Result<Image> {
        self.call("wxa/getwxacodeunlimit", req, Expect::Image)
            .await?
            .image()
    }

    /// `cgi-bin/message/subscribe/send`. Errors keep the errcode for the caller to classify.
    pub async fn send_subscribe_message(&self, msg: &SubscribeMessage) -> Result<SendOutcome> {
        let answer: Value = self
            .call("cgi-bin/message/subscribe/send", msg, Expect::Json)
            .await?
            .json()?;
        let msgid = match answer.get("msgid") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        Ok(SendOutcome::Sent { msgid })
    }

    /// `wxa/msg_sec_check` v2. The verdict is `result.suggest` (errcode is 0 even for risky
    /// text).
    pub async fn msg_sec_check(&self, req: &SecCheckRequest) -> Result<SecCheckResult> {
        let body = SecCheckBody { req, version: 2 };
        self.call("wxa/msg_sec_check", &body, Expect::Json)
            .await?
            .json()
    }
}
