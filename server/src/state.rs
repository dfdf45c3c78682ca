//! The one application state shared by handlers and background workers.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use crate::{
    auth::jwt::JwtKeys, auth::throttle::LoginThrottle, config::Settings, kv::Redis,
    metrics::Metrics, notify::Notifier, privacy::FieldCipher, wechat::WechatClient,
};

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: DatabaseConnection,
    /// `None` in the embedded mode (no `REDIS_URL`).
    pub redis: Option<Redis>,
    pub jwt: Arc<JwtKeys>,
    /// Field encryption and blind indexes for personal data.
    pub cipher: Arc<FieldCipher>,
    pub throttle: LoginThrottle,
    /// Shared counters for rate limits (Redis when configured).
    pub limiter: crate::ratelimit::Limiter,
    /// The WeChat API client (dev WeChat mode when no appid is configured).
    pub wechat: Arc<WechatClient>,
    pub metrics: Arc<Metrics>,
    /// The notification pipeline of this instance.
    pub notifier: Arc<Notifier>,
    /// Cancelled on shutdown; background work stops when it fires.
    pub shutdown: CancellationToken,
}
