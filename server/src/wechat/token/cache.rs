//! The token cache the client asks: shared through Redis when there is one, in-process
//! otherwise or while Redis is unreachable.

use std::future::Future;

use super::{
    access_token::{AccessToken, Fetched, ttl_secs},
    failure::FailureHold,
    local::Local,
    shared::SharedToken,
};
use crate::{kv::Redis, wechat::errors::WechatError};

pub struct TokenCache {
    shared: Option<SharedToken>,
    local: Local,
    /// The last failed fetch, answered to callers for a few seconds (in-process).
    failures: FailureHold,
}

impl TokenCache {
    /// `redis` is `None` in embedded mode.
    pub fn new(app_id: &str, redis: Option<Redis>) -> Self {
        TokenCache {
            shared: redis.map(|r| SharedToken::new(r, app_id)),
            local: Local::default(),
            failures: FailureHold::default(),
        }
    }

    /// The cached token, or one fetched with `fetch` by exactly one caller at a time.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<AccessToken, WechatError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Fetched, WechatError>>,
    {
        if let Some(e) = self.failures.recent() {
            return Err(e);
        }
        if let Some(shared) = &self.shared {
            match shared.get(&fetch, &self.failures).await {
                Ok(answer) => return answer,
                Err(e) => {
                    tracing::warn!(error = %e, "Redis unavailable for the WeChat token; using the in-process cache");
                }
            }
        }
        self.local.get(&fetch, &self.failures).await
    }

    /// Forgets `failed` if it is still the cached token (a newer one is kept).
    pub async fn invalidate(&self, failed: &AccessToken) {
        self.local.invalidate(failed).await;
        if let Some(shared) = &self.shared {
            shared.invalidate(failed).await;
        }
    }

    /// Puts a token fetched outside the usual path (a forced refresh) in place of the cached one,
    /// here and for every instance.
    pub async fn replace(&self, fetched: Fetched) -> AccessToken {
        let ttl = ttl_secs(fetched.expires_in);
        let token = AccessToken(fetched.token);
        self.failures.clear();
        self.local.put(&token, ttl).await;
        if let Some(shared) = &self.shared {
            shared.put(&token, ttl).await;
        }
        tracing::info!(token = %token.fingerprint(), "WeChat access token replaced");
        token
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{
            Arc,
            atomic::{AtomicUsize, Ordering},
        },
        time::Duration,
    };

    use super::*;

    #[tokio::test]
    async fn embedded_mode_fetches_once_for_concurrent_callers_and_drops_only_the_failed_token() {
        let cache = Arc::new(TokenCache::new("wx1", None));
        let calls = Arc::new(AtomicUsize::new(0));
        let fetch = {
            let calls = calls.clone();
            move || {
                let calls = calls.clone();
                async move {
                    let n = calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok(Fetched {
                        token: format!("T{n}"),
                        expires_in: 7200,
                    })
                }
            }
        };
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let cache = cache.clone();
                let fetch = fetch.clone();
                tokio::spawn(async move { cache.get(fetch).await.unwrap() })
            })
            .collect();
        for h in handles {
            assert_eq!(h.await.unwrap().expose(), "T0");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache.invalidate(&AccessToken("stale".into())).await;
        assert_eq!(cache.get(fetch.clone()).await.unwrap().expose(), "T0");
        cache.invalidate(&AccessToken("T0".into())).await;
        assert_eq!(cache.get(fetch).await.unwrap().expose(), "T1");
    }

    #[tokio::test]
    async fn a_failed_fetch_is_answered_to_waiters_instead_of_fetched_again() {
        let cache = Arc::new(TokenCache::new("wx2", None));
        let calls = Arc::new(AtomicUsize::new(0));
        let failing = {
            let calls = calls.clone();
            move || {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Err::<Fetched, _>(WechatError::Transport("connect refused".into()))
                }
            }
        };
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let cache = cache.clone();
                let failing = failing.clone();
                tokio::spawn(async move { cache.get(failing).await })
            })
            .collect();
        for h in handles {
            assert!(h.await.unwrap().is_err());
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one fetch for eight waiters"
        );
        // A forced replacement (or the hold running out) ends it.
        cache
            .replace(Fetched {
                token: "T-NEW".into(),
                expires_in: 7200,
            })
            .await;
        assert_eq!(cache.get(failing).await.unwrap().expose(), "T-NEW");
    }
}
