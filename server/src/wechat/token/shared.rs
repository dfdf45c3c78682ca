//! The token in Redis, shared by every instance: one instance refreshes it under a lock while
//! the others poll for the result (or for the failure it leaves behind, briefly).

use std::{
    future::Future,
    time::{Duration, Instant},
};

use redis::{AsyncCommands, RedisError, Script, aio::ConnectionManager};

use super::{
    access_token::{AccessToken, Fetched, ttl_secs},
    failure::{FAILURE_HOLD, FailureHold},
};
use crate::{kv::Redis, wechat::errors::WechatError};

/// How long the refresh lock lives if its holder dies.
const LOCK_TTL_MS: u64 = 60_000;
/// How often a waiter looks for the token another instance is fetching.
const POLL_EVERY: Duration = Duration::from_millis(50);
/// How long a waiter waits for that token before giving up.
const MAX_WAIT: Duration = Duration::from_secs(65);

/// Deletes `KEYS[1]` only while it still holds `ARGV[1]`: releases our own lock, or drops the
/// token that failed but never a newer one.
const DELETE_IF_SAME: &str = r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// Outer error: Redis itself failed (the caller falls back to the in-process token); inner:
/// WeChat did.
type Shared<T> = Result<Result<T, WechatError>, RedisError>;

pub(super) struct SharedToken {
    redis: Redis,
    key: String,
    lock: String,
}

impl SharedToken {
    pub fn new(redis: Redis, app_id: &str) -> Self {
        SharedToken {
            key: redis.key(&format!("wx:{app_id}:access_token")),
            lock: redis.key(&format!("wx:{app_id}:access_token_lock")),
            redis,
        }
    }

    /// Where the last failed fetch is kept for the other instances, briefly.
    fn failure_key(&self) -> String {
        format!("{}:failed", self.key)
    }

    #[tracing::instrument(name = "wechat.token.shared_get", skip_all)]
    pub async fn get<F, Fut>(&self, fetch: &F, failures: &FailureHold) -> Shared<AccessToken>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Fetched, WechatError>>,
    {
        let mut conn = self.redis.conn().await?;
        if let Some(t) = conn.get::<_, Option<String>>(&self.key).await? {
            return Ok(Ok(AccessToken(t)));
        }
        let started = Instant::now();
        loop {
            let me = uuid::Uuid::new_v4().simple().to_string();
            let taken: Option<String> = redis::cmd("SET")
                .arg(&self.lock)
                .arg(&me)
                .arg("NX")
                .arg("PX")
                .arg(LOCK_TTL_MS)
                .query_async(&mut conn)
                .await?;
            if taken.is_some() {
                let result = self.refresh_locked(&mut conn, fetch, failures).await;
                let released: Result<i64, _> = Script::new(DELETE_IF_SAME)
                    .key(&self.lock)
                    .arg(&me)
                    .invoke_async(&mut conn)
                    .await;
                if let Err(e) = released {
                    tracing::warn!(error = %e, "could not release the WeChat token lock; it expires by itself");
                }
                return result;
            }
            tokio::time::sleep(POLL_EVERY).await;
            if let Some(t) = conn.get::<_, Option<String>>(&self.key).await? {
                return Ok(Ok(AccessToken(t)));
            }
            // The instance holding the lock failed: so do we, without asking WeChat again.
            if let Some(msg) = conn.get::<_, Option<String>>(self.failure_key()).await? {
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
        conn: &mut ConnectionManager,
        fetch: &F,
        failures: &FailureHold,
    ) -> Shared<AccessToken>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Fetched, WechatError>>,
    {
        // Another instance may have refreshed between our miss and our lock.
        if let Some(t) = conn.get::<_, Option<String>>(&self.key).await? {
            return Ok(Ok(AccessToken(t)));
        }
        let fetched = match fetch().await {
            Ok(f) => f,
            Err(e) => {
                failures.remember(&e);
                let hold_ms = FAILURE_HOLD.as_millis() as u64;
                let _: () = conn
                    .pset_ex(self.failure_key(), e.to_string(), hold_ms)
                    .await?;
                return Ok(Err(e));
            }
        };
        failures.clear();
        let _: () = conn
            .set_ex(&self.key, &fetched.token, ttl_secs(fetched.expires_in))
            .await?;
        let token = AccessToken(fetched.token);
        tracing::info!(token = %token.fingerprint(), expires_in = fetched.expires_in, "fetched a new WeChat access token");
        Ok(Ok(token))
    }

    /// Drops `failed` if it is still the shared token (a newer one is kept).
    #[tracing::instrument(name = "wechat.token.shared_invalidate", skip_all)]
    pub async fn invalidate(&self, failed: &AccessToken) {
        let dropped: Result<i64, RedisError> = async {
            let mut conn = self.redis.conn().await?;
            Script::new(DELETE_IF_SAME)
                .key(&self.key)
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

    /// Shares `token` with every instance for `ttl_secs`.
    pub async fn put(&self, token: &AccessToken, ttl_secs: u64) {
        let stored: Result<(), RedisError> = async {
            let mut conn = self.redis.conn().await?;
            conn.set_ex(&self.key, token.expose(), ttl_secs).await
        }
        .await;
        if let Err(e) = stored {
            tracing::warn!(error = %e, "could not share the new WeChat token; other instances fetch it on their next 40001");
        }
    }
}
