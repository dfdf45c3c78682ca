//! The HTTP side of the WeChat client: one reqwest client with timeouts that never follows a
//! redirect, URLs under `WECHAT_API_BASE`, answers judged by `errcode` (see `parse.rs`), and
//! the bounded back-off for WeChat's "busy" answers.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{
    config::WechatSettings,
    wechat::{
        dto::Image,
        errors::WechatError,
        parse::{from_value, read_json, sniff_image},
    },
};

type Result<T> = std::result::Result<T, WechatError>;

/// `-1` and `45011` are tried this many times in all, sleeping `BUSY_BASE × 2ⁿ` between.
const BUSY_ATTEMPTS: u32 = 3;
const BUSY_BASE: Duration = Duration::from_millis(300);

pub(super) struct Transport {
    http: reqwest::Client,
    base: String,
}

/// What an endpoint answers with.
pub(super) enum Expect {
    Json,
    Image,
}

pub(super) enum Answer {
    Json(Value),
    Image(Image),
}

impl Answer {
    pub fn json<T: DeserializeOwned>(self) -> Result<T> {
        match self {
            Answer::Json(v) => from_value(v),
            Answer::Image(_) => Err(WechatError::Protocol("expected JSON".into())),
        }
    }

    pub fn image(self) -> Result<Image> {
        match self {
            Answer::Image(img) => Ok(img),
            Answer::Json(_) => Err(WechatError::Protocol("expected an image".into())),
        }
    }
}

impl Transport {
    pub fn new(settings: &WechatSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("zhitongche/", env!("CARGO_PKG_VERSION")))
            // The query string carries the access token or the app secret: never follow a
            // redirect that would hand it to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Transport {
            http,
            base: settings.api_base.trim_end_matches('/').to_string(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path)
    }

    /// GET `path` with `query`; the JSON answer.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T> {
        let res = self
            .http
            .get(self.url(path))
            .query(query)
            .send()
            .await
            .map_err(WechatError::transport)?;
        read_json(res).await
    }

    /// POST `body` as JSON to `path` with `query`; the answer as `expect`ed.
    pub async fn post(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: &impl Serialize,
        expect: &Expect,
    ) -> Result<Answer> {
        let res = self
            .http
            .post(self.url(path))
            .query(query)
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
}

/// Counts the tries of one call against WeChat's "busy" answers.
#[derive(Default)]
pub(super) struct BusyBackoff {
    attempt: u32,
}

impl BusyBackoff {
    /// After a failure: `true` (having slept) when it was "busy" and another try is allowed.
    pub async fn again(&mut self, e: &WechatError) -> bool {
        if !e.is_busy() || self.attempt + 1 >= BUSY_ATTEMPTS {
            return false;
        }
        let wait = BUSY_BASE * 2u32.saturating_pow(self.attempt);
        tracing::warn!(errcode = ?e.errcode(), rid = ?e.rid(), attempt = self.attempt, wait_ms = wait.as_millis() as u64, "WeChat busy; backing off");
        tokio::time::sleep(wait).await;
        self.attempt += 1;
        true
    }
}
