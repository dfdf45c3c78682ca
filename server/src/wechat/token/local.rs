//! The in-process token: one fetch at a time (the mutex is held across it), so concurrent
//! callers share it.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use tokio::sync::Mutex;

use super::{
    access_token::{AccessToken, Fetched, ttl_secs},
    failure::FailureHold,
};
use crate::wechat::errors::WechatError;

struct Cached {
    token: AccessToken,
    until: Instant,
}

#[derive(Default)]
pub(super) struct Local(Mutex<Option<Cached>>);

impl Local {
    /// The cached token, or one fetched with `fetch` (single flight).
    pub async fn get<F, Fut>(
        &self,
        fetch: &F,
        failures: &FailureHold,
    ) -> Result<AccessToken, WechatError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Fetched, WechatError>>,
    {
        let mut cached = self.0.lock().await;
        if let Some(c) = cached.as_ref()
            && c.until > Instant::now()
        {
            return Ok(c.token.clone());
        }
        // A caller that waited on the mutex for a fetch that failed gets that failure.
        if let Some(e) = failures.recent() {
            return Err(e);
        }
        let fetched = fetch().await.inspect_err(|e| failures.remember(e))?;
        failures.clear();
        let token = AccessToken(fetched.token);
        *cached = Some(Cached {
            token: token.clone(),
            until: Instant::now() + Duration::from_secs(ttl_secs(fetched.expires_in)),
        });
        Ok(token)
    }

    /// Forgets `failed` if it is still the cached token.
    pub async fn invalidate(&self, failed: &AccessToken) {
        let mut cached = self.0.lock().await;
        if cached.as_ref().is_some_and(|c| &c.token == failed) {
            *cached = None;
        }
    }

    pub async fn put(&self, token: &AccessToken, ttl_secs: u64) {
        *self.0.lock().await = Some(Cached {
            token: token.clone(),
            until: Instant::now() + Duration::from_secs(ttl_secs),
        });
    }
}
