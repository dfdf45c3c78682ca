//! The typed WeChat client the rest of the service holds. Dev WeChat mode is chosen once, when
//! the client is built: without an app id it is the simulated backend, never a live call.

use crate::{
    config::WechatSettings,
    kv::Redis,
    wechat::{
        dev,
        dto::{
            Image, PhoneInfo, SecCheckRequest, SecCheckResult, SendOutcome, Session,
            SubscribeMessage, WxaCodeRequest,
        },
        errors::WechatError,
        live::Live,
        token::AccessToken,
        transport::Transport,
    },
};

type Result<T> = std::result::Result<T, WechatError>;

pub struct WechatClient {
    backend: Backend,
}

enum Backend {
    Live(Box<Live>),
    Dev,
}

impl WechatClient {
    pub fn new(settings: &WechatSettings, redis: Option<Redis>) -> anyhow::Result<Self> {
        let backend = match (&settings.app_id, &settings.app_secret) {
            (Some(id), Some(secret)) => {
                let transport = Transport::new(settings)?;
                Backend::Live(Box::new(Live::new(transport, id, secret, redis)))
            }
            _ => Backend::Dev,
        };
        Ok(WechatClient { backend })
    }

    /// Dev WeChat mode: no app configured; logins, phones and sends are simulated.
    pub fn is_dev(&self) -> bool {
        matches!(self.backend, Backend::Dev)
    }

    fn live(&self) -> Result<&Live> {
        match &self.backend {
            Backend::Live(live) => Ok(live),
            Backend::Dev => Err(WechatError::NotConfigured),
        }
    }

    /// The shared access token (fetched through `stable_token` when no instance has one).
    pub async fn access_token(&self) -> Result<AccessToken> {
        self.live()?.access_token().await
    }

    /// Drops `failed` from the shared cache if it is still the current token (never a newer
    /// one another instance fetched meanwhile). The client does this itself on 40001/40014/42001.
    pub async fn drop_rejected_token(&self, failed: &AccessToken) {
        if let Ok(live) = self.live() {
            live.drop_rejected_token(failed).await;
        }
    }

    /// `force_refresh=true`: WeChat invalidates the current token and issues a new one, which
    /// replaces the shared cached copy. For a leaked token only, through
    /// `wechat::force::force_refresh` (which keeps WeChat's limits and the audit trail).
    pub async fn force_refresh_token(&self) -> Result<AccessToken> {
        self.live()?.force_refresh_token().await
    }

    /// `sns/jscode2session`. Dev WeChat mode: code `X` is openid `dev_X`.
    #[tracing::instrument(skip_all, fields(endpoint = "sns/jscode2session"))]
    pub async fn code2session(&self, code: &str) -> Result<Session> {
        match &self.backend {
            Backend::Live(live) => live.code2session(code).await,
            Backend::Dev => Ok(dev::code2session(code)),
        }
    }

    /// `wxa/business/getuserphonenumber`. Dev WeChat mode: the code is the number itself.
    #[tracing::instrument(skip_all, fields(endpoint = "wxa/business/getuserphonenumber"))]
    pub async fn phone_number(&self, code: &str) -> Result<PhoneInfo> {
        match &self.backend {
            Backend::Live(live) => live.phone_number(code).await,
            Backend::Dev => dev::phone_number(code),
        }
    }

    /// `wxa/getwxacodeunlimit`: a 小程序码 image. Not available in dev WeChat mode.
    #[tracing::instrument(skip_all, fields(endpoint = "wxa/getwxacodeunlimit"))]
    pub async fn wxacode_unlimited(&self, req: &WxaCodeRequest) -> Result<Image> {
        self.live()?.wxacode_unlimited(req).await
    }

    /// `cgi-bin/message/subscribe/send`. Errors keep the errcode for the caller to classify
    /// (`43101` no consent, `47003`/`40037`/`41030` our bug, `-1` transient, see
    /// [`WechatError::class`]). Dev WeChat mode records the send in the log only.
    #[tracing::instrument(skip_all, fields(endpoint = "cgi-bin/message/subscribe/send", template_id = %msg.template_id))]
    pub async fn send_subscribe_message(&self, msg: &SubscribeMessage) -> Result<SendOutcome> {
        match &self.backend {
            Backend::Live(live) => live.send_subscribe_message(msg).await,
            Backend::Dev => Ok(dev::send_subscribe_message(msg)),
        }
    }

    /// `wxa/msg_sec_check` v2. Dev WeChat mode passes everything.
    #[tracing::instrument(skip_all, fields(endpoint = "wxa/msg_sec_check"))]
    pub async fn msg_sec_check(&self, req: &SecCheckRequest) -> Result<SecCheckResult> {
        match &self.backend {
            Backend::Live(live) => live.msg_sec_check(req).await,
            Backend::Dev => Ok(dev::msg_sec_check()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        collections::BTreeMap,
        io::Write,
        sync::{Arc, Mutex},
        time::Duration,
    };

    use super::*;
    use crate::wechat::dto::{DataValue, mask_openid};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn dev_mode_logs_a_send_at_debug_without_the_resident_or_the_content() {
        let settings = WechatSettings {
            app_id: None,
            app_secret: None,
            api_base: "http://127.0.0.1:9".into(),
            timeout: Duration::from_secs(1),
            miniprogram_state: "developer".into(),
            content_check: false,
            progress_template_id: "dev-progress".into(),
            templates_file: None,
            push_token: None,
            push_aes_key: None,
            qr_page: "pages/entry/index".into(),
            qr_env_version: "develop".into(),
            miniprogram_name: "直通车".into(),
        };
        let client = WechatClient::new(&settings, None).expect("client");
        let logs = Captured::default();
        let sink = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let msg = SubscribeMessage {
            touser: "oResidentOpenid0001".into(),
            template_id: "dev-progress".into(),
            page: Some("pages/applications/detail?id=case-42".into()),
            data: BTreeMap::from([(
                "thing4".to_string(),
                DataValue {
                    value: "材料不全".into(),
                },
            )]),
            miniprogram_state: "developer".into(),
            lang: "zh_CN".into(),
        };
        assert_eq!(
            client.send_subscribe_message(&msg).await.expect("dev send"),
            SendOutcome::SentInDev
        );
        let text = String::from_utf8(logs.0.lock().expect("log buffer").clone()).expect("utf-8");
        assert!(text.contains("DEBUG"), "{text}");
        assert!(!text.contains("INFO"), "{text}");
        assert!(text.contains("dev-progress"), "{text}");
        assert!(text.contains(&mask_openid("oResidentOpenid0001")), "{text}");
        for secret in ["oResidentOpenid0001", "case-42", "材料不全"] {
            assert!(!text.contains(secret), "{secret} logged: {text}");
        }
    }
}
