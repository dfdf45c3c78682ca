//! The typed WeChat client: every call goes to `WECHAT_API_BASE` with timeouts; success is
//! decided by `errcode` (absent or 0), never by the HTTP status.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::{
    config::WechatSettings,
    kv::Redis,
    privacy::MobileNumber,
    wechat::{
        dto::{
            Image, PhoneInfo, PhoneResponse, SecCheckBody, SecCheckRequest, SecCheckResult,
            SecCheckVerdict, SendOutcome, Session, StableTokenRequest, StableTokenResponse,
            Suggest, Watermark, WxaCodeRequest, mask_openid,
        },
        errors::{WechatError, codes},
        parse::{from_value, read_json, sniff_image},
        token::{AccessToken, Fetched, TokenCache},
    },
};

type Result<T> = std::result::Result<T, WechatError>;

struct App {
    id: String,
    secret: SecretString,
}

/// How `-1` and `45011` are retried: `attempts` tries in all, sleeping `base × 2ⁿ` between.
#[derive(Debug, Clone, Copy)]
pub struct BusyRetry {
    pub attempts: u32,
    pub base: Duration,
}

impl Default for BusyRetry {
    fn default() -> Self {
        BusyRetry {
            attempts: 3,
            base: Duration::from_millis(300),
        }
    }
}

pub struct WechatClient {
    http: reqwest::Client,
    base: String,
    /// `None` in dev WeChat mode.
    app: Option<App>,
    tokens: TokenCache,
    retry: BusyRetry,
}

enum Expect {
    Json,
    Image,
}

enum Answer {
    Json(Value),
    Image(Image),
}

impl WechatClient {
    pub fn new(settings: &WechatSettings, redis: Option<Redis>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("zhitongche/", env!("CARGO_PKG_VERSION")))
            // The query string carries the access token or the app secret: never follow a
            // redirect that would hand it to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let app = match (&settings.app_id, &settings.app_secret) {
            (Some(id), Some(secret)) => Some(App {
                id: id.clone(),
                secret: secret.clone(),
            }),
            _ => None,
        };
        let app_id = app.as_ref().map(|a| a.id.as_str()).unwrap_or("dev");
        Ok(WechatClient {
            http,
            base: settings.api_base.trim_end_matches('/').to_string(),
            tokens: TokenCache::new(app_id, redis),
            app,
            retry: BusyRetry::default(),
        })
    }

    /// Replaces the busy-retry policy (tests use short sleeps).
    pub fn with_busy_retry(mut self, retry: BusyRetry) -> Self {
        self.retry = retry;
        self
    }

    /// Dev WeChat mode: no app configured; logins, phones and sends are simulated.
    pub fn is_dev(&self) -> bool {
        self.app.is_none()
    }

    fn app(&self) -> Result<&App> {
        self.app.as_ref().ok_or(WechatError::NotConfigured)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path)
    }

    /// The shared access token (fetched through `stable_token` when no instance has one).
    pub async fn access_token(&self) -> Result<AccessToken> {
        let app = self.app()?;
        self.tokens.get(|| self.fetch_token(app)).await
    }

    /// Drops `failed` from the shared cache if it is still the current token (never a newer
    /// one another instance fetched meanwhile). The client does this itself on 40001/40014/42001.
    pub async fn drop_rejected_token(&self, failed: &AccessToken) {
        self.tokens.invalidate(failed).await;
    }

    /// `force_refresh=true`: WeChat invalidates the current token and issues a new one, which
    /// replaces the shared cached copy. For a leaked token only, through
    /// `wechat::force::force_refresh` (which keeps WeChat's limits and the audit trail).
    pub async fn force_refresh_token(&self) -> Result<AccessToken> {
        let app = self.app()?;
        let fetched = self.fetch_token_with(app, true).await?;
        Ok(self.tokens.replace(fetched).await)
    }

    async fn fetch_token(&self, app: &App) -> Result<Fetched> {
        self.fetch_token_with(app, false).await
    }

    async fn fetch_token_with(&self, app: &App, force_refresh: bool) -> Result<Fetched> {
        let body = StableTokenRequest {
            grant_type: "client_credential",
            appid: &app.id,
            secret: app.secret.expose_secret(),
            force_refresh,
        };
        let mut attempt = 0;
        loop {
            let res = self
                .http
                .post(self.url("cgi-bin/stable_token"))
                .json(&body)
                .send()
                .await;
            let outcome = match res {
                Ok(res) => read_json::<StableTokenResponse>(res).await,
                Err(e) => Err(WechatError::transport(e)),
            };
            match outcome {
                Err(e) if e.is_busy() && attempt + 1 < self.retry.attempts => {
                    self.backoff(&e, attempt).await;
                    attempt += 1;
                }
                Err(e) => {
                    tracing::error!(errcode = ?e.errcode(), rid = ?e.rid(), error = %e, "could not get a WeChat access token");
                    return Err(e);
                }
                Ok(t) => {
                    return Ok(Fetched {
                        token: t.access_token,
                        expires_in: t.expires_in,
                    });
                }
            }
        }
    }

    async fn backoff(&self, e: &WechatError, attempt: u32) {
        let wait = self.retry.base * 2u32.saturating_pow(attempt);
        tracing::warn!(errcode = ?e.errcode(), rid = ?e.rid(), attempt, wait_ms = wait.as_millis() as u64, "WeChat busy; backing off");
        tokio::time::sleep(wait).await;
    }

    /// POSTs `body` to `path` with the access token. A rejected token is dropped (if still
    /// current) and the call retried exactly once; `-1`/`45011` back off a bounded number of
    /// times.
    async fn call(&self, path: &str, body: &Value, expect: Expect) -> Result<Answer> {
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            let token = self.access_token().await?;
            match self.post_once(path, &token, body, &expect).await {
                Err(e) if e.is_token_invalid() && !refreshed => {
                    tracing::warn!(path, errcode = ?e.errcode(), rid = ?e.rid(), token = %token.fingerprint(), "WeChat rejected the access token; refreshing once");
                    self.tokens.invalidate(&token).await;
                    refreshed = true;
                }
                Err(e) if e.is_busy() && attempt + 1 < self.retry.attempts => {
                    self.backoff(&e, attempt).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn post_once(
        &self,
        path: &str,
        token: &AccessToken,
        body: &Value,
        expect: &Expect,
    ) -> Result<Answer> {
        let res = self
            .http
            .post(self.url(path))
            .query(&[("access_token", token.expose())])
            .json(body)
            .send()
            .await
            .map_err(WechatError::transport)?;
        match expect {
            Expect::Json => Ok(Answer::Json(read_json::<Value>(res).await?)),
            Expect::Image => {
                let content_type = res
                    .headers()
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let status = res.status();
                let bytes = res.bytes().await.map_err(WechatError::transport)?;
                sniff_image(status, &content_type, &bytes).map(Answer::Image)
            }
        }
    }

    /// `sns/jscode2session`: exactly one attempt per code, since a code works once.
    /// Dev WeChat mode: code `X` is openid `dev_X`.
    pub async fn code2session(&self, code: &str) -> Result<Session> {
        let Some(app) = &self.app else {
            return Ok(Session {
                openid: format!("dev_{code}"),
                unionid: None,
            });
        };
        let res = self
            .http
            .get(self.url("sns/jscode2session"))
            .query(&[
                ("appid", app.id.as_str()),
                ("secret", app.secret.expose_secret()),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .map_err(WechatError::transport)?;
        let session: Session = read_json(res).await?;
        tracing::debug!(openid = %mask_openid(&session.openid), "code2session succeeded");
        Ok(session)
    }

    /// `wxa/business/getuserphonenumber` (paid per success). The watermark must name our appid.
    /// Dev WeChat mode: the code is the mainland mobile number itself.
    pub async fn phone_number(&self, code: &str) -> Result<PhoneInfo> {
        let Some(app) = &self.app else {
            let phone = MobileNumber::parse(code).map_err(|_| {
                WechatError::api(
                    codes::INVALID_CODE,
                    "dev WeChat mode: the phone code must be a mainland mobile number",
                )
            })?;
            return Ok(PhoneInfo {
                phone_number: phone.as_str().into(),
                pure_phone_number: phone.as_str().into(),
                country_code: "86".into(),
                watermark: Watermark {
                    appid: "dev".into(),
                    timestamp: None,
                },
            });
        };
        let Answer::Json(v) = self
            .call(
                "wxa/business/getuserphonenumber",
                &json!({ "code": code }),
                Expect::Json,
            )
            .await?
        else {
            return Err(WechatError::Protocol("expected JSON".into()));
        };
        let info = from_value::<PhoneResponse>(v)?.phone_info;
        if info.watermark.appid != app.id {
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
        self.app()?;
        let body = serde_json::to_value(req).map_err(|e| WechatError::Protocol(e.to_string()))?;
        match self
            .call("wxa/getwxacodeunlimit", &body, Expect::Image)
            .await?
        {
            Answer::Image(img) => Ok(img),
            Answer::Json(_) => Err(WechatError::Protocol("expected an image".into())),
        }
    }

    /// `cgi-bin/message/subscribe/send`. Errors keep the errcode for the caller to classify
    /// (`43101` no consent, `47003`/`40037`/`41030` our bug, `-1` transient, see
    /// [`WechatError::class`]). Dev WeChat mode records the send in the log only.
    pub async fn send_subscribe_message(
        &self,
        msg: &crate::wechat::dto::SubscribeMessage,
    ) -> Result<SendOutcome> {
        if self.is_dev() {
            tracing::debug!(template_id = %msg.template_id, touser = %mask_openid(&msg.touser), "dev WeChat mode: subscribe message not delivered");
            return Ok(SendOutcome::SentInDev);
        }
        let body = serde_json::to_value(msg).map_err(|e| WechatError::Protocol(e.to_string()))?;
        let Answer::Json(v) = self
            .call("cgi-bin/message/subscribe/send", &body, Expect::Json)
            .await?
        else {
            return Err(WechatError::Protocol("expected JSON".into()));
        };
        let msgid = match v.get("msgid") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        Ok(SendOutcome::Sent { msgid })
    }

    /// `wxa/msg_sec_check` v2. The verdict is `result.suggest` (errcode is 0 even for risky
    /// text). Dev WeChat mode passes everything.
    pub async fn msg_sec_check(&self, req: &SecCheckRequest) -> Result<SecCheckResult> {
        if self.is_dev() {
            return Ok(SecCheckResult {
                result: SecCheckVerdict {
                    suggest: Suggest::Pass,
                    label: Some(100),
                },
                trace_id: None,
            });
        }
        let body = serde_json::to_value(SecCheckBody { req, version: 2 })
            .map_err(|e| WechatError::Protocol(e.to_string()))?;
        let Answer::Json(v) = self.call("wxa/msg_sec_check", &body, Expect::Json).await? else {
            return Err(WechatError::Protocol("expected JSON".into()));
        };
        from_value(v)
    }
}

#[cfg(test)]
mod tests {
    use std::{
        collections::BTreeMap,
        io::Write,
        sync::{Arc, Mutex},
    };

    use super::*;
    use crate::wechat::dto::{DataValue, SubscribeMessage};

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
