//! The configured mini-program: every call goes to WeChat with the shared access token. A
//! rejected token is dropped (if still current) and the call retried exactly once; "busy"
//! answers back off a bounded number of times.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::{
    kv::Redis,
    wechat::{
        dto::{StableTokenRequest, StableTokenResponse},
        errors::WechatError,
        token::{AccessToken, Fetched, TokenCache},
        transport::{Answer, BusyBackoff, Expect, Transport},
    },
};

type Result<T> = std::result::Result<T, WechatError>;

pub(super) struct Live {
    pub(super) transport: Transport,
    pub(super) app_id: String,
    pub(super) app_secret: SecretString,
    tokens: TokenCache,
}

impl Live {
    pub fn new(
        transport: Transport,
        app_id: &str,
        app_secret: &SecretString,
        redis: Option<Redis>,
    ) -> Self {
        Live {
            transport,
            app_id: app_id.to_string(),
            app_secret: app_secret.clone(),
            tokens: TokenCache::new(app_id, redis),
        }
    }

    pub async fn access_token(&self) -> Result<AccessToken> {
        self.tokens.get(|| self.fetch_token(false)).await
    }

    pub async fn drop_rejected_token(&self, failed: &AccessToken) {
        self.tokens.invalidate(failed).await;
    }

    pub async fn force_refresh_token(&self) -> Result<AccessToken> {
        let fetched = self.fetch_token(true).await?;
        Ok(self.tokens.replace(fetched).await)
    }

    #[tracing::instrument(skip_all, fields(endpoint = "cgi-bin/stable_token", force_refresh))]
    async fn fetch_token(&self, force_refresh: bool) -> Result<Fetched> {
        let body = StableTokenRequest {
            grant_type: "client_credential",
            appid: &self.app_id,
            secret: self.app_secret.expose_secret(),
            force_refresh,
        };
        let mut busy = BusyBackoff::default();
        loop {
            let answer = self
                .transport
                .post("cgi-bin/stable_token", &[], &body, &Expect::Json)
                .await
                .and_then(Answer::json::<StableTokenResponse>);
            match answer {
                Err(e) if busy.again(&e).await => {}
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

    /// POSTs `body` to `path` with the access token.
    pub(super) async fn call(
        &self,
        path: &str,
        body: &impl Serialize,
        expect: Expect,
    ) -> Result<Answer> {
        let mut refreshed = false;
        let mut busy = BusyBackoff::default();
        loop {
            let token = self.access_token().await?;
            let query = [("access_token", token.expose())];
            match self.transport.post(path, &query, body, &expect).await {
                Err(e) if e.is_token_invalid() && !refreshed => {
                    tracing::warn!(path, errcode = ?e.errcode(), rid = ?e.rid(), token = %token.fingerprint(), "WeChat rejected the access token; refreshing once");
                    self.tokens.invalidate(&token).await;
                    refreshed = true;
                }
                Err(e) if busy.again(&e).await => {}
                other => return other,
            }
        }
    }
}
