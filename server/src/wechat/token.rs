//! The access token, shared by every instance: cached in Redis under a key that names the appid
//! (TTL = `expires_in` − 200 s), refreshed by one instance at a time under a Redis lock, and
//! dropped after a rejection only if it is still the token that failed. Without Redis (embedded
//! mode, or Redis down) the same rules run in-process behind a single-flight mutex.

use std::{
    fmt,
    future::Future,
    time::{Duration, Instant},
};

use redis::{AsyncCommands, Script};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::{kv::Redis, wechat::errors::WechatError};

/// Seconds taken off WeChat's `expires_in`, so a cached token is never used near its end.
pub const EXPIRY_MARGIN_SECS: i64 = 200;
/// How long the refresh lock lives if its holder dies.
const LOCK_TTL_MS: u64 = 60_000;
/// How often a waiter looks for the token another instance is fetching.
const POLL_EVERY: Duration = Duration::from_millis(50);
/// How long a waiter waits for that token before giving up.
const MAX_WAIT: Duration = Duration::from_secs(65);
/// After a failed fetch, how long callers are answered with that failure instead of each
/// asking WeChat again (an outage would otherwise get one fetch per waiting request).
const FAILURE_HOLD: Duration = Duration::from_secs(5);

const RELEASE_LOCK: &str = r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
const DROP_IF_SAME: &str = RELEASE_LOCK;

/// An access token. `Debug` shows a fingerprint only.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// First 8 hex digits of its SHA-256: tells tokens apart in logs without revealing them.
    pub fn fingerprint(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..4])
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessToken({})", self.fingerprint())
    }
}

/// A freshly fetched token and WeChat's `expires_in`.
pub struct Fetched {
    pub token: String,
    pub expires_in: i64,
}

/// Where the last failed fetch is kept for the other instances, briefly.
fn failure_key(token_key: &str) -> String {
    format!("{token_key}:failed")
}

fn ttl_secs(expires_in: i64) -> u64 {
    (expires_in - EXPIRY_MARGIN_SECS).max(1) as u64
}

struct Cached {
    token: AccessToken,
    until: Instant,
}

pub struct TokenCache {
    key: Option<(Redis, String, String)>,
    local: Mutex<Option<Cached>>,
    /// The last failed fetch, answered to callers until the instant (in-process).
    failed: std::sync::Mutex<Option<(Instant, String)>>,
}

impl TokenCache {
    /// `redis` is `None` in embedded mode.
    pub fn new(app_id: &str, redis: Option<Redis>) -> Self {
        TokenCache {
            key: redis.map(|r| {
                let token_key = r.key(&format!("wx:{app_id}:access_token"));
                let lock_key = r.key(&format!("wx:{app_id}:access_token_lock"));
                (r, token_key, lock_key)
            }),
            local: Mutex::new(None),
            failed: std::sync::Mutex::new(None),
        }
    }

    /// The recent failure, if callers should still be told of it rather than fetch again.
    fn recent_failure(&self) -> Option<WechatError> {
        let failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        failed
            .as_ref()
            .filter(|(until, _)| *until > Instant::now())
            .map(|(_, msg)| {
                WechatError::Transport(format!("access token unavailable (recent failure): {msg}"))
            })
    }

    fn clear_failure(&self) {
        *self.failed.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    fn remember_failure(&self, e: &WechatError) {
        *self.failed.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now() + FAILURE_HOLD, e.to_string()));
    }

    /// The cached token, or one fetched with `fetch` by exactly one caller at a time.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<AccessToken, WechatError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Fetched, WechatError>>,
    {
        if let Some(e) = self.recent_failure() {
            return Err(e);
        }
        if let Some((redis, key, lock)) = &self.key {
            match self.get_shared(redis, key, lock, &fetch).await {
                Ok(Ok(token)) => return Ok(token),
                Ok(Err(e)) => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "Redis unavailable for the WeChat token; using the in-process cache");
                }
            }
        }
        self.get_local(&fetch).await
    }

    /// Forgets `failed` if it is still the cached token (a newer one is kept).
    pub async fn invalidate(&self, failed: &AccessToken) {
        {
            let mut local = self.local.lock().await;
            if local.as_ref().is_some_and(|c| &c.token == failed) {
                *local = None;
            }
        }
        if let Some((redis, key, _)) = &self.key {
            let dropped: Result<i64, _> = async {
                let mut conn = redis.conn().await?;
                Script::new(DROP_IF_SAME)
                    .key(key)
                    .arg(failed.expose())
                    .invoke_async(&mut conn)
                    .await
            }
            .await;
            match dropped {
                Ok(n) => tracing::info!(
                    token = %failed.fingerprint(),
                    dropped = n == 1,
                    "WeChat rejected the access token; cached copy dropped if still current"
                ),
                Err(e) => tracing::warn!(error = %e, "could not drop the rejected WeChat token"),
            }
        }
    }

    /// Puts a token fetched outside the usual path (a forced refresh) in place of the cached one,
    /// here and for every instance.
    pub async fn replace(&self, fetched: Fetched) -> AccessToken {
        let ttl = ttl_secs(fetched.expires_in);
        let token = AccessToken(fetched.token);
        self.clear_failure();
        *self.local.lock().await = Some(Cached {
            token: token.clone(),
            until: Instant::now() + Duration::from_secs(ttl),
        });
        if let Some((redis, key, _)) = &self.key {
            let stored: Result<(), redis::RedisError> = async {
                let mut conn = redis.conn().await?;
                conn.set_ex(key, token.expose(), ttl).await
            }
            .await;
            if let Err(e) = stored {
                tracing::warn!(error = %e, "could not share the new WeChat token; other instances fetch it on their next 40001");
            }
        }
        tracing::info!(token = %token.fingerprint(), "WeChat access token replaced");
        token
    }

    async fn get_local<F, Fut>(&self, fetch: &F) -> Result<AccessToken, WechatError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Fetched, WechatError>>,
    {
        // Held across the fetch: concurrent callers wait for the one fetch (single flight).
        let mut local = self.local.lock().await;
        if let Some(c) = local.as_ref()
            && c.until > Instant::now()
        {
            return Ok(c.token.clone());
        }
        // A caller that waited on the mutex for a fetch that failed gets that failure.
        if let Some(e) = self.recent_failure() {
            return Err(e);
        }
        let fetched = fetch().await.inspect_err(|e| self.remember_failure(e))?;
        self.clear_failure();
        let token = AccessToken(fetched.token);
        *local = Some(Cached {
            token: token.clone(),
            until: Instant::now() + Duration::from_secs(ttl_secs(fetched.expires_in)),
        });
        Ok(token)
    }

    /// Outer error: Redis itself failed (the caller falls back); inner: WeChat did.
    async fn get_shared<F, Fut>(
        &self,
        redis: &Redis,
        key: &str,
        lock: &str,
        fetch: &F,
    ) -> Result<Result<AccessToken, WechatError>, redis::RedisError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Fetched, WechatError>>,
    {
        let mut conn = redis.conn().await?;
        if let Some(t) = conn.get::<_, Option<String>>(key).await? {
            return Ok(Ok(AccessToken(t)));
        }
        let started = Instant::now();
        loop {
            let me = uuid::Uuid::new_v4().simple().to_string();
            let taken: Option<String> = redis::cmd("SET")
                .arg(lock)
                .arg(&me)
                .arg("NX")
                .arg("PX")
                .arg(LOCK_TTL_MS)
                .query_async(&mut conn)
                .await?;
            if taken.is_some() {
                let result = self.refresh_locked(&mut conn, key, fetch).await;
                let released: Result<i64, _> = Script::new(RELEASE_LOCK)
                    .key(lock)
                    .arg(&me)
                    .invoke_async(&mut conn)
                    .await;
                if let Err(e) = released {
                    tracing::warn!(error = %e, "could not release the WeChat token lock; it expires by itself");
                }
                return result;
            }
            tokio::time::sleep(POLL_EVERY).await;
            if let Some(t) = conn.get::<_, Option<String>>(key).await? {
                return Ok(Ok(AccessToken(t)));
            }
            // The instance holding the lock failed: so do we, without asking WeChat again.
            if let Some(msg) = conn.get::<_, Option<String>>(failure_key(key)).await? {
                return Ok(Err(WechatError::Transport(format!(
                    "access token unavailable (another instance's fetch failed): {msg}"
                ))));
            }
            if started.elapsed() > MAX_WAIT {
                return Ok(Err(WechatError::Transport(
                    "timed out waiting for another instance to refresh the access token".into(),
                )));
            }
        }
    }

    async fn refresh_locked<F, Fut>(
        &self,
        conn: &mut redis::aio::ConnectionManager,
        key: &str,
        fetch: &F,
    ) -> Result<Result<AccessToken, WechatError>, redis::RedisError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Fetched, WechatError>>,
    {
        // Another instance may have refreshed between our miss and our lock.
        if let Some(t) = conn.get::<_, Option<String>>(key).await? {
            return Ok(Ok(AccessToken(t)));
        }
        let fetched = match fetch().await {
            Ok(f) => f,
            Err(e) => {
                self.remember_failure(&e);
                let _: () = conn
                    .pset_ex(
                        failure_key(key),
                        e.to_string(),
                        FAILURE_HOLD.as_millis() as u64,
                    )
                    .await?;
                return Ok(Err(e));
            }
        };
        self.clear_failure();
        let _: () = conn
            .set_ex(key, &fetched.token, ttl_secs(fetched.expires_in))
            .await?;
        let token = AccessToken(fetched.token);
        tracing::info!(token = %token.fingerprint(), expires_in = fetched.expires_in, "fetched a new WeChat access token");
        Ok(Ok(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    #[test]
    fn the_cache_lifetime_keeps_a_margin_before_expiry() {
        assert_eq!(ttl_secs(7200), 7000);
        assert_eq!(ttl_secs(300), 100);
        assert_eq!(ttl_secs(150), 1);
    }

    #[test]
    fn debug_shows_a_fingerprint_not_the_token() {
        let t = AccessToken("ACCESS_TOKEN_VALUE_123".into());
        let debug = format!("{t:?}");
        assert!(!debug.contains("ACCESS_TOKEN_VALUE_123"));
        assert_eq!(t.fingerprint().len(), 8);
    }

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
