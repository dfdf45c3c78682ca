//! Dev WeChat mode (development only, no app configured): logins, phones, sends and content
//! checks are simulated; anything that needs a real token is refused as not configured.

use crate::{
    privacy::MobileNumber,
    wechat::{
        dto::{
            PhoneInfo, SecCheckResult, SecCheckVerdict, SendOutcome, Session, SubscribeMessage,
            Suggest, Watermark, mask_openid,
        },
        errors::{WechatError, codes},
    },
};

type Result<T> = std::result::Result<T, WechatError>;

/// Login code `X` is openid `dev_X`.
pub(super) fn code2session(code: &str) -> Session {
    Session {
        openid: format!("dev_{code}"),
        unionid: None,
    }
}

/// The phone code is the mainland mobile number itself.
pub(super) fn phone_number(code: &str) -> Result<PhoneInfo> {
    let phone = MobileNumber::parse(code).map_err(|_| {
        WechatError::api(
            codes::INVALID_CODE,
            "dev WeChat mode: the phone code must be a mainland mobile number",
        )
    })?;
    Ok(PhoneInfo {
        phone_number: phone.as_str().into(),
        pure_phone_number: phone.as_str().into(),
        country_code: "86".into(),
        watermark: Watermark {
            appid: "dev".into(),
            timestamp: None,
        },
    })
}

/// Recorded in the log only, at debug, without the content.
pub(super) fn send_subscribe_message(msg: &SubscribeMessage) -> SendOutcome {
    tracing::debug!(template_id = %msg.template_id, touser = %mask_openid(&msg.touser), "dev WeChat mode: subscribe message not delivered");
    SendOutcome::SentInDev
}

/// Everything passes.
pub(super) fn msg_sec_check() -> SecCheckResult {
    SecCheckResult {
        result: SecCheckVerdict {
            suggest: Suggest::Pass,
            label: Some(100),
        },
        trace_id: None,
    }
}
