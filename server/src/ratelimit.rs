//! Fixed-window counters shared by every instance through Redis, kept in memory in embedded
//! mode (or while Redis is unreachable). Used for the login throttle and the anonymous endpoints.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex},
    time::{Duration, Instant},
};

use redis::AsyncCommands;

use crate::kv::Redis;

const MEMORY_CAP: usize = 50_000;

/// Count, window start, window length.
type Window = (u32, Instant, Duration);

#[derive(Clone)]
pub struct Limiter {
    redis: Option<Redis>,
    memory: Arc<Mutex<HashMap<String, Window>>>,
}

impl Limiter {
    pub fn new(redis: Option<Redis>) -> Self {
        Limiter {
            redis,
            memory: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Counts one more event under `key` and returns the count in the current window with the
    /// time left in it. In Redis the increment and the window's expiry are one atomic script, so
    /// a counter never outlives its window.
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
        let Ok(mut m) = self.memory.lock() else {
            return (0, window);
        };
        if m.len() > MEMORY_CAP {
            m.retain(|_, (_, since, w)| since.elapsed() < *w);
        }
        let entry = m
            .entry(key.to_string())
            .or_insert((0, Instant::now(), window));
        if entry.1.elapsed() >= entry.2 {
            *entry = (0, Instant::now(), window);
        }
        entry.0 += 1;
        (entry.0, entry.2.saturating_sub(entry.1.elapsed()))
    }

    /// The count in the current window without counting, with the time left in it.
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
}
