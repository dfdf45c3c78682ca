//! Fixed-window counters shared by every instance through Redis, kept in memory in embedded
//! mode (or while Redis is unreachable). Used for the login throttle and the per-address flood
//! guard of the anonymous endpoints.

use std::{
    sync::{Arc, LazyLock, Mutex},
    time::Duration,
};

use redis::AsyncCommands;

use super::memory::Memory;
use crate::{error::AppError, kv::Redis};

/// Requests per minute one address may make to one anonymous endpoint group (scans, resident
/// login). A community hall's residents share an address, so it is generous; it stops floods.
pub const FLOOD_PER_MINUTE: u32 = 120;
const FLOOD_WINDOW: Duration = Duration::from_secs(60);

/// Keys kept in memory at most (both generations together).
const MEMORY_CAP: usize = 50_000;

#[derive(Clone)]
pub struct Limiter {
    redis: Option<Redis>,
    memory: Arc<Mutex<Memory>>,
}

impl Limiter {
    pub fn new(redis: Option<Redis>) -> Self {
        Self::with_memory_cap(redis, MEMORY_CAP)
    }

    fn with_memory_cap(redis: Option<Redis>, cap: usize) -> Self {
        Limiter {
            redis,
            memory: Arc::new(Mutex::new(Memory::new(cap))),
        }
    }

    /// Counts one more event under `key` and returns the count in the current window with the
    /// time left in it. In Redis the increment and the window's expiry are one atomic script, so
    /// a counter never outlives its window.
    #[tracing::instrument(name = "ratelimit.hit", skip_all)]
    pub async fn hit(&self, key: &str, window: Duration) -> (u32, Duration) {
        static HIT: LazyLock<redis::Script> = LazyLock::new(|| {
            redis::Script::new(
                "local n = redis.call('INCR', KEYS[1]) \
                 if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end \
                 local ttl = redis.call('PTTL', KEYS[1]) \
                 if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end \
                 return {n, ttl}",
            )
        });
        if let Some(redis) = &self.redis
            && let Ok(mut c) = redis.conn().await
        {
            let k = redis.key(&format!("rl:{key}"));
            let res: Result<(u32, i64), _> = HIT
                .key(&k)
                .arg(window.as_millis().max(1) as u64)
                .invoke_async(&mut c)
                .await;
            if let Ok((n, ttl_ms)) = res {
                return (n, Duration::from_millis(ttl_ms.max(1000) as u64));
            }
        }
        let (counted, dropped) = {
            let Ok(mut m) = self.memory.lock() else {
                return (0, window);
            };
            m.hit(key, window)
        };
        drop(dropped);
        counted
    }

    /// The per-address flood guard of an anonymous endpoint group `bucket` (counted under
    /// `{bucket}-flood:{ip}`): 429 with the seconds left once `ip` has made more than
    /// [`FLOOD_PER_MINUTE`] requests this minute. Call it before any costly work.
    pub async fn flood_guard(&self, bucket: &str, ip: &str) -> Result<(), AppError> {
        let (n, left) = self
            .hit(&format!("{bucket}-flood:{ip}"), FLOOD_WINDOW)
            .await;
        if n > FLOOD_PER_MINUTE {
            tracing::warn!(ip = %ip, bucket, "anonymous endpoint flooded");
            return Err(AppError::TooManyRequests {
                retry_after_secs: left.as_secs().max(1),
            });
        }
        Ok(())
    }

    /// The count in the current window without counting, with the time left in it.
    #[tracing::instrument(name = "ratelimit.peek", skip_all)]
    pub async fn peek(&self, key: &str, window: Duration) -> (u32, Duration) {
        if let Some(redis) = &self.redis
            && let Ok(mut c) = redis.conn().await
        {
            let k = redis.key(&format!("rl:{key}"));
            let count: Result<Option<u32>, _> = c.get(&k).await;
            let ttl: Result<i64, _> = c.ttl(&k).await;
            if let (Ok(count), Ok(ttl)) = (count, ttl) {
                return (count.unwrap_or(0), Duration::from_secs(ttl.max(1) as u64));
            }
        }
        let Ok(m) = self.memory.lock() else {
            return (0, window);
        };
        match m.get(key) {
            Some((n, since, w)) if since.elapsed() < *w => (*n, w.saturating_sub(since.elapsed())),
            _ => (0, window),
        }
    }

    /// Takes back one event counted under `key` (never below zero), e.g. an attempt that turned
    /// out to be a success.
    #[tracing::instrument(name = "ratelimit.release", skip_all)]
    pub async fn release(&self, key: &str) {
        static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
            redis::Script::new(
                "local v = tonumber(redis.call('GET', KEYS[1]) or '0') \
                 if v > 0 then return redis.call('DECR', KEYS[1]) end return 0",
            )
        });
        if let Some(redis) = &self.redis
            && let Ok(mut c) = redis.conn().await
        {
            let k = redis.key(&format!("rl:{key}"));
            let res: Result<i64, _> = RELEASE.key(&k).invoke_async(&mut c).await;
            if res.is_ok() {
                return;
            }
        }
        if let Ok(mut m) = self.memory.lock()
            && let Some(entry) = m.get_mut(key)
        {
            entry.0 = entry.0.saturating_sub(1);
        }
    }

    #[tracing::instrument(name = "ratelimit.reset", skip_all)]
    pub async fn reset(&self, key: &str) {
        if let Some(redis) = &self.redis
            && let Ok(mut c) = redis.conn().await
        {
            let _: Result<(), _> = c.del(redis.key(&format!("rl:{key}"))).await;
        }
        if let Ok(mut m) = self.memory.lock() {
            m.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_within_a_window_and_resets() {
        let l = Limiter::new(None);
        let w = Duration::from_secs(60);
        assert_eq!(l.hit("a", w).await.0, 1);
        assert_eq!(l.hit("a", w).await.0, 2);
        assert_eq!(l.peek("a", w).await.0, 2);
        assert_eq!(l.hit("b", w).await.0, 1);
        l.release("a").await;
        assert_eq!(l.peek("a", w).await.0, 1);
        l.reset("a").await;
        assert_eq!(l.peek("a", w).await.0, 0);
        l.release("a").await;
        assert_eq!(l.peek("a", w).await.0, 0, "never below zero");
        let short = Duration::from_millis(30);
        l.hit("c", short).await;
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(l.hit("c", short).await.0, 1, "a new window starts");
    }

    fn memory_len(l: &Limiter) -> usize {
        l.memory.lock().unwrap().len()
    }

    #[tokio::test]
    async fn a_flood_of_new_keys_cannot_grow_the_memory_past_its_cap() {
        let l = Limiter::with_memory_cap(None, 100);
        let w = Duration::from_secs(900);
        let mut hot = 0;
        for i in 0..5_000 {
            l.hit(&format!("user{i}"), w).await;
            if i % 10 == 0 {
                hot = l.hit("hot", w).await.0;
            }
            assert!(memory_len(&l) <= 100, "{} keys after {i}", memory_len(&l));
        }
        // A counter in use all along kept counting through the flood.
        assert_eq!(hot, 500);
        assert_eq!(l.peek("hot", w).await.0, 500);
    }

    #[tokio::test]
    async fn counters_whose_windows_are_over_are_freed_without_a_scan() {
        let l = Limiter::new(None);
        let w = Duration::from_millis(30);
        for i in 0..50 {
            l.hit(&format!("k{i}"), w).await;
        }
        assert_eq!(memory_len(&l), 50);
        tokio::time::sleep(Duration::from_millis(40)).await;
        l.hit("a", w).await;
        tokio::time::sleep(Duration::from_millis(40)).await;
        l.hit("b", w).await;
        assert!(memory_len(&l) <= 2, "{}", memory_len(&l));
        // A counter moved between generations keeps its count and window.
        let long = Duration::from_secs(60);
        l.hit("kept", long).await;
        l.hit("kept", long).await;
        assert_eq!(l.hit("kept", long).await.0, 3);
        l.release("kept").await;
        assert_eq!(l.peek("kept", long).await.0, 2);
    }
}
