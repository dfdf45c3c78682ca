//! Redis access: one lazily (re)connected multiplexed connection with a key prefix, so that
//! several deployments (and every test) can share one Redis without colliding.

use std::{sync::Arc, time::Duration};

use redis::{
    Client, RedisError,
    aio::{ConnectionManager, ConnectionManagerConfig},
};
use secrecy::ExposeSecret;
use tokio::sync::Mutex;

use crate::config::RedisSettings;

#[derive(Clone)]
pub struct Redis {
    client: Client,
    prefix: Arc<str>,
    conn: Arc<Mutex<Option<ConnectionManager>>>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl Redis {
    pub fn new(settings: &RedisSettings) -> anyhow::Result<Self> {
        let client = Client::open(settings.url.expose_secret())
            .map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?;
        Ok(Redis {
            client,
            prefix: Arc::from(settings.key_prefix.as_str()),
            conn: Arc::new(Mutex::new(None)),
        })
    }

    /// `{prefix}:{suffix}`.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}:{}", self.prefix, suffix)
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The shared connection; (re)connects on first use and after a failed connect.
    pub async fn conn(&self) -> Result<ConnectionManager, RedisError> {
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        let c = self.connect().await?;
        *guard = Some(c.clone());
        Ok(c)
    }

    #[tracing::instrument(name = "redis.connect", skip_all)]
    async fn connect(&self) -> Result<ConnectionManager, RedisError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2);
        ConnectionManager::new_with_config(self.client.clone(), config).await
    }

    /// A dedicated connection for blocking commands (`XREADGROUP … BLOCK`), whose response
    /// timeout must outlast the block.
    #[tracing::instrument(name = "redis.connect_blocking", skip_all)]
    pub async fn blocking_conn(&self, block: Duration) -> Result<ConnectionManager, RedisError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(block + Duration::from_secs(5)));
        ConnectionManager::new_with_config(self.client.clone(), config).await
    }

    #[tracing::instrument(name = "redis.ping", skip_all)]
    pub async fn ping(&self) -> Result<(), RedisError> {
        let mut c = self.conn().await?;
        let _: String = redis::cmd("PING").query_async(&mut c).await?;
        Ok(())
    }
}
