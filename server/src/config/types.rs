//! The typed settings the service runs with. Secrets are `SecretString`s or [`SecretBytes`], so
//! `Debug` never shows them; URLs are shown without their credentials.

use std::{fmt, path::PathBuf, time::Duration};

use secrecy::{ExposeSecret, SecretBox, SecretString};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub bind: String,
    pub public_base_url: String,
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    pub redis: Option<RedisSettings>,
    pub auth: AuthSettings,
    pub data_keys: DataKeys,
    pub wechat: WechatSettings,
    pub hotline: HotlineSettings,
    pub notify: NotifySettings,
    pub workers: usize,
    pub shutdown_timeout: Duration,
    pub trust_proxy: bool,
    /// Default 先行救助 cap per street, in fen.
    pub emergency_cap_fen: i64,
    pub log: LogSettings,
    pub care: CareSettings,
}

impl Settings {
    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }
}

#[derive(Clone)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
}

impl DatabaseSettings {
    pub fn is_sqlite(&self) -> bool {
        self.url.expose_secret().starts_with("sqlite:")
    }

    /// The URL without credentials, for logs.
    pub fn redacted_url(&self) -> String {
        redact_url(self.url.expose_secret())
    }
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &self.redacted_url())
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

#[derive(Clone)]
pub struct RedisSettings {
    pub url: SecretString,
    pub key_prefix: String,
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &redact_url(self.url.expose_secret()))
            .field("key_prefix", &self.key_prefix)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Signing keys by id; the first one signs.
    pub jwt_keys: Vec<JwtKey>,
    pub issuer: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

#[derive(Debug, Clone)]
pub struct JwtKey {
    pub kid: String,
    pub secret: SecretBytes,
}

/// 32-byte keys for field encryption; `current` encrypts, all decrypt.
#[derive(Debug, Clone)]
pub struct DataKeys {
    pub current: SecretBytes,
    pub previous: Vec<SecretBytes>,
    /// The blind-index key. It is separate so that rotating `current` leaves every stored index
    /// (duplicate checks, search by ID number or phone) valid. `None`: derived from `current`,
    /// which development allows and production refuses.
    pub index: Option<SecretBytes>,
}

/// Key material; `Debug` shows only that it is redacted.
pub struct SecretBytes(pub SecretBox<Vec<u8>>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(SecretBox::new(Box::new(bytes)))
    }
    pub fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl Clone for SecretBytes {
    fn clone(&self) -> Self {
        SecretBytes::new(self.expose().to_vec())
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

#[derive(Debug, Clone)]
pub struct WechatSettings {
    /// `None` means dev WeChat mode (development only).
    pub app_id: Option<String>,
    pub app_secret: Option<SecretString>,
    pub api_base: String,
    pub timeout: Duration,
    /// `formal`, `trial` or `developer`.
    pub miniprogram_state: String,
    /// Check residents' text with `msg_sec_check` at submission.
    pub content_check: bool,
    pub progress_template_id: String,
    pub templates_file: Option<PathBuf>,
    pub push_token: Option<SecretString>,
    /// 32-byte key decoded from the 43-character EncodingAESKey.
    pub push_aes_key: Option<SecretBytes>,
    /// Page opened by a 小程序码 (`getwxacodeunlimit`'s `page`).
    pub qr_page: String,
    /// `release`, `trial` or `develop`.
    pub qr_env_version: String,
    pub miniprogram_name: String,
}

impl WechatSettings {
    pub fn dev_mode(&self) -> bool {
        self.app_id.is_none()
    }
}

/// The notification pipeline's timings and limits.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// Run the relay, consumers and reconciler in this instance.
    pub workers: bool,
    /// Deliveries a consumer handles at once.
    pub concurrency: usize,
    /// Heartbeat of the live stream; the session is re-checked at each.
    pub sse_heartbeat: Duration,
    pub max_attempts: i32,
    pub retry_base: Duration,
    /// How long a claim lasts without its holder renewing it (it does while a send is out).
    pub lease: Duration,
    pub claim_idle: Duration,
    pub reconcile_every: Duration,
    pub republish_after: Duration,
    pub stream_maxlen: usize,
}

#[derive(Debug, Clone)]
pub struct HotlineSettings {
    /// Current secret first, then the one being rotated out.
    pub signing_secrets: Vec<SecretString>,
    pub number: String,
}

#[derive(Debug, Clone)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Grid care's missed-visit ladder and the bulk import's limits.
#[derive(Debug, Clone)]
pub struct CareSettings {
    /// Calendar days before the due date when the assigned worker is reminded.
    pub due_soon_days: u32,
    /// Working days after a missed due date before the street is told.
    pub street_after_working_days: u32,
    /// Working days after the street before the district is told.
    pub district_after_working_days: u32,
    pub scan_every: Duration,
    /// Rows an import writes per transaction (short transactions, visible progress).
    pub import_batch_rows: usize,
    pub import_max_bytes: usize,
}
