//! Settings: built-in defaults < optional `zhitongche.toml` < environment variables.
//! The TOML keys are the environment names in lower case (`database_url = "…"`).
//! Secrets are `SecretString`s, so `Debug` never shows them.

use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, anyhow, bail};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::Deserialize;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/zhitongche.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_WECHAT_API_BASE: &str = "https://api.weixin.qq.com";
pub const DEFAULT_WECHAT_QR_PAGE: &str = "pages/entry/index";
pub const DEFAULT_MINIPROGRAM_NAME: &str = "社会救助直通车";
pub const CONFIG_FILE: &str = "zhitongche.toml";
const DEV_SECRETS_FILE: &str = "dev-secrets.toml";

/// Every setting as text, exactly as read. Field names are the lower-cased environment names.
/// Deliberately not `Debug`: it holds secrets in the clear.
#[derive(Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawSettings {
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub ztc_bind: Option<String>,
    pub ztc_env: Option<String>,
    pub ztc_public_base_url: Option<String>,
    pub ztc_jwt_keys: Option<String>,
    pub ztc_data_key: Option<String>,
    pub ztc_data_key_previous: Option<String>,
    pub ztc_index_key: Option<String>,
    pub wechat_app_id: Option<String>,
    pub wechat_app_secret: Option<String>,
    pub wechat_api_base: Option<String>,
    pub wechat_timeout_secs: Option<String>,
    pub wechat_qr_page: Option<String>,
    pub wechat_qr_env_version: Option<String>,
    pub wechat_miniprogram_name: Option<String>,
    pub hotline_signing_secret: Option<String>,
    pub hotline_signing_secret_previous: Option<String>,
    pub ztc_hotline_number: Option<String>,
    pub ztc_emergency_cap_yuan: Option<String>,
    pub ztc_notify_max_attempts: Option<String>,
    pub ztc_notify_workers: Option<String>,
    pub ztc_notify_concurrency: Option<String>,
    pub ztc_sse_heartbeat_secs: Option<String>,
    pub ztc_notify_retry_base_ms: Option<String>,
    pub ztc_notify_lease_secs: Option<String>,
    pub ztc_notify_claim_idle_ms: Option<String>,
    pub ztc_notify_reconcile_ms: Option<String>,
    pub ztc_notify_republish_after_ms: Option<String>,
    pub ztc_notify_stream_maxlen: Option<String>,
    pub wechat_miniprogram_state: Option<String>,
    pub wechat_content_check: Option<String>,
    pub wechat_progress_template_id: Option<String>,
    pub wechat_templates_file: Option<String>,
    pub wechat_push_token: Option<String>,
    pub wechat_push_aes_key: Option<String>,
    pub ztc_data_dir: Option<String>,
    pub ztc_redis_prefix: Option<String>,
    pub ztc_db_max_connections: Option<String>,
    pub ztc_access_token_ttl_secs: Option<String>,
    pub ztc_refresh_token_ttl_days: Option<String>,
    pub ztc_workers: Option<String>,
    pub ztc_shutdown_timeout_secs: Option<String>,
    pub ztc_trust_proxy: Option<String>,
    pub ztc_log_format: Option<String>,
    pub ztc_log: Option<String>,
}

/// The settings table for the README and for error messages: (name, what it is, default).
pub const SETTINGS_DOC: &[(&str, &str, &str)] = &[
    (
        "DATABASE_URL",
        "database; `postgres://…` for PostgreSQL",
        DEFAULT_DATABASE_URL,
    ),
    (
        "REDIS_URL",
        "Redis for the shared queue, token cache and throttling; unset = embedded",
        "unset",
    ),
    ("ZTC_BIND", "listen address", DEFAULT_BIND),
    ("ZTC_ENV", "`development` or `production`", "development"),
    (
        "ZTC_PUBLIC_BASE_URL",
        "public URL of this service (QR landing pages)",
        "http://{ZTC_BIND}",
    ),
    (
        "ZTC_JWT_KEYS",
        "`kid:base64key,…` (≥32 bytes each); the first signs, all verify",
        "generated in dev",
    ),
    (
        "ZTC_DATA_KEY",
        "base64 of 32 bytes: field-encryption root key",
        "generated in dev",
    ),
    (
        "ZTC_DATA_KEY_PREVIOUS",
        "older data keys (comma-separated) still accepted for decryption",
        "unset",
    ),
    (
        "ZTC_INDEX_KEY",
        "base64 of 32 bytes: blind-index key for ID-number/phone lookups; never rotated (required in production)",
        "derived from ZTC_DATA_KEY in development",
    ),
    (
        "WECHAT_APP_ID",
        "mini-program appid; unset in development = dev WeChat mode",
        "unset",
    ),
    ("WECHAT_APP_SECRET", "mini-program secret", "unset"),
    (
        "WECHAT_API_BASE",
        "WeChat API base URL",
        DEFAULT_WECHAT_API_BASE,
    ),
    (
        "WECHAT_TIMEOUT_SECS",
        "timeout of each WeChat API call",
        "10",
    ),
    (
        "WECHAT_QR_PAGE",
        "mini-program page a 小程序码 opens (no leading `/`, no query)",
        DEFAULT_WECHAT_QR_PAGE,
    ),
    (
        "WECHAT_QR_ENV_VERSION",
        "`release`, `trial` or `develop`: which build a 小程序码 opens",
        "release",
    ),
    (
        "WECHAT_MINIPROGRAM_NAME",
        "the mini-program's name, as residents search for it in WeChat",
        DEFAULT_MINIPROGRAM_NAME,
    ),
    (
        "HOTLINE_SIGNING_SECRET",
        "HMAC secret of the telephony platform's callbacks",
        "generated in dev",
    ),
    (
        "HOTLINE_SIGNING_SECRET_PREVIOUS",
        "previous hotline secret, accepted during rotation",
        "unset",
    ),
    (
        "ZTC_HOTLINE_NUMBER",
        "the assistance hotline shown to residents",
        "12345",
    ),
    (
        "ZTC_EMERGENCY_CAP_YUAN",
        "先行救助 a street may grant on its own, unless the street has its own setting",
        "3000",
    ),
    (
        "ZTC_NOTIFY_WORKERS",
        "`false`: this instance serves HTTP only and another runs the notification pipeline",
        "true",
    ),
    (
        "ZTC_NOTIFY_CONCURRENCY",
        "deliveries each consumer sends at once",
        "16",
    ),
    (
        "ZTC_NOTIFY_MAX_ATTEMPTS",
        "send attempts before a notification is dead-lettered",
        "8",
    ),
    (
        "ZTC_NOTIFY_RETRY_BASE_MS",
        "first retry delay; doubles each attempt (with jitter), capped at 1 h",
        "10000",
    ),
    (
        "ZTC_NOTIFY_LEASE_SECS",
        "how long a consumer's claim on a delivery lasts unless renewed (it is, every third, while a WeChat call is out): a consumer that dies is replaced this long after",
        "5",
    ),
    (
        "ZTC_NOTIFY_CLAIM_IDLE_MS",
        "stream entries read by a consumer that died are taken over (XAUTOCLAIM) once idle this long",
        "5000",
    ),
    (
        "ZTC_NOTIFY_RECONCILE_MS",
        "how often the reconciler looks for deliveries to move on",
        "2000",
    ),
    (
        "ZTC_NOTIFY_REPUBLISH_AFTER_MS",
        "a delivery whose message was lost is published again after this long, and again each time until it is done",
        "10000",
    ),
    (
        "ZTC_NOTIFY_STREAM_MAXLEN",
        "approximate length cap of the Redis stream",
        "100000",
    ),
    (
        "ZTC_SSE_HEARTBEAT_SECS",
        "seconds between SSE heartbeats; each one re-checks the staff session",
        "15",
    ),
    (
        "WECHAT_CONTENT_CHECK",
        "`on` or `off`: check what a resident writes with `msg_sec_check` at submission (fail open)",
        "on",
    ),
    (
        "WECHAT_MINIPROGRAM_STATE",
        "`formal`, `trial` or `developer` (which app version a notice opens)",
        "formal (developer in development)",
    ),
    (
        "WECHAT_PROGRESS_TEMPLATE_ID",
        "subscribe-message template for case progress notices",
        "dev-progress (development only)",
    ),
    (
        "WECHAT_TEMPLATES_FILE",
        "TOML file with a template per event type (overrides the progress template)",
        "unset",
    ),
    (
        "WECHAT_PUSH_TOKEN",
        "token of the WeChat message-push configuration",
        "unset = push endpoint off",
    ),
    (
        "WECHAT_PUSH_AES_KEY",
        "EncodingAESKey (43 characters) for safe-mode pushes; when set, plain pushes are refused",
        "unset = plain mode only",
    ),
    (
        "ZTC_DATA_DIR",
        "where the SQLite file and dev secrets live",
        "./data",
    ),
    ("ZTC_REDIS_PREFIX", "prefix of every Redis key", "ztc"),
    (
        "ZTC_DB_MAX_CONNECTIONS",
        "PostgreSQL pool size (SQLite always uses 1)",
        "10",
    ),
    ("ZTC_ACCESS_TOKEN_TTL_SECS", "access-token lifetime", "900"),
    ("ZTC_REFRESH_TOKEN_TTL_DAYS", "refresh-token lifetime", "14"),
    ("ZTC_WORKERS", "HTTP worker threads", "number of CPUs"),
    (
        "ZTC_SHUTDOWN_TIMEOUT_SECS",
        "grace period for in-flight requests on SIGTERM (live streams end at once, with `event: reconnect`)",
        "30",
    ),
    (
        "ZTC_TRUST_PROXY",
        "`true` behind one reverse proxy: the client IP is the last X-Forwarded-For hop (the one it added)",
        "false",
    ),
    ("ZTC_LOG_FORMAT", "`text` or `json`", "text"),
    (
        "ZTC_LOG",
        "log filter (tracing EnvFilter syntax)",
        "info,sqlx=warn",
    ),
];

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

impl Clone for SecretBytes {
    fn clone(&self) -> Self {
        SecretBytes(SecretBox::new(Box::new(self.0.expose_secret().clone())))
    }
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

impl Settings {
    /// Reads `zhitongche.toml` (if present) and the environment; in development, fills missing
    /// secrets from (or into) `{data_dir}/dev-secrets.toml` with a loud warning.
    pub fn load() -> anyhow::Result<Settings> {
        let raw = RawSettings::from_file_and_env(Path::new(CONFIG_FILE))?;
        let raw = raw.with_dev_secrets()?;
        Settings::from_raw(raw)
    }

    /// Validates and types the raw settings. Production refuses missing or dev-only values,
    /// naming the setting.
    pub fn from_raw(raw: RawSettings) -> anyhow::Result<Settings> {
        let environment = match non_empty(&raw.ztc_env).as_deref() {
            None | Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(other) => bail!("ZTC_ENV: expected `development` or `production`, got `{other}`"),
        };
        let prod = environment == Environment::Production;
        let mut problems = Vec::new();

        let database_url = match non_empty(&raw.database_url) {
            Some(url) => url,
            None if prod => {
                problems
                    .push("DATABASE_URL: must be set to a postgres:// URL in production".into());
                String::new()
            }
            // The embedded database lives in the data directory with the dev secrets.
            None => match non_empty(&raw.ztc_data_dir) {
                Some(dir) => format!(
                    "sqlite://{}/zhitongche.db?mode=rwc",
                    dir.trim_end_matches('/')
                ),
                None => DEFAULT_DATABASE_URL.to_string(),
            },
        };
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
            || database_url.is_empty())
        {
            problems.push("DATABASE_URL: expected sqlite:… or postgres://…".into());
        }
        if prod && database_url.starts_with("sqlite:") {
            problems.push(
                "DATABASE_URL: SQLite is the embedded development default; production needs PostgreSQL"
                    .into(),
            );
        }

        let bind = non_empty(&raw.ztc_bind).unwrap_or_else(|| DEFAULT_BIND.into());
        let public_base_url = match non_empty(&raw.ztc_public_base_url) {
            Some(u) => u.trim_end_matches('/').to_string(),
            None if prod => {
                problems.push("ZTC_PUBLIC_BASE_URL: must be set in production".into());
                String::new()
            }
            None => format!("http://{bind}"),
        };
        let http_url =
            public_base_url.starts_with("http://") || public_base_url.starts_with("https://");
        if !public_base_url.is_empty() && !http_url {
            problems.push("ZTC_PUBLIC_BASE_URL: must start with http:// or https://".into());
        }

        let jwt_keys = match non_empty(&raw.ztc_jwt_keys) {
            Some(v) => match parse_jwt_keys(&v) {
                Ok(keys) => {
                    if prod && keys.iter().any(|k| k.kid.starts_with("dev-")) {
                        problems.push("ZTC_JWT_KEYS: holds a generated development key; set real keys in production".into());
                    }
                    keys
                }
                Err(e) => {
                    problems.push(format!("ZTC_JWT_KEYS: {e}"));
                    Vec::new()
                }
            },
            None => {
                problems.push("ZTC_JWT_KEYS: must be set (`kid:base64key`)".into());
                Vec::new()
            }
        };

        let data_key = match non_empty(&raw.ztc_data_key) {
            Some(v) => match parse_data_key(&v) {
                Ok(k) => Some(k),
                Err(e) => {
                    problems.push(format!("ZTC_DATA_KEY: {e}"));
                    None
                }
            },
            None => {
                problems.push("ZTC_DATA_KEY: must be set (base64 of 32 bytes)".into());
                None
            }
        };
        let mut previous_keys = Vec::new();
        if let Some(v) = non_empty(&raw.ztc_data_key_previous) {
            for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match parse_data_key(part) {
                    Ok(k) => previous_keys.push(k),
                    Err(e) => problems.push(format!("ZTC_DATA_KEY_PREVIOUS: {e}")),
                }
            }
        }

        let index_key = match non_empty(&raw.ztc_index_key) {
            Some(v) => match parse_data_key(&v) {
                Ok(k) => Some(k),
                Err(e) => {
                    problems.push(format!("ZTC_INDEX_KEY: {e}"));
                    None
                }
            },
            None if prod => {
                problems.push(
                    "ZTC_INDEX_KEY: must be set in production (base64 of 32 bytes, kept when ZTC_DATA_KEY rotates)"
                        .into(),
                );
                None
            }
            None => None,
        };

        let app_id = non_empty(&raw.wechat_app_id);
        let app_secret = non_empty(&raw.wechat_app_secret).map(SecretString::from);
        if prod && app_id.is_none() {
            problems.push(
                "WECHAT_APP_ID: must be set in production (dev WeChat mode is refused)".into(),
            );
        }
        if app_id.is_some() && app_secret.is_none() {
            problems.push("WECHAT_APP_SECRET: must be set when WECHAT_APP_ID is".into());
        }
        let api_base = non_empty(&raw.wechat_api_base)
            .unwrap_or_else(|| DEFAULT_WECHAT_API_BASE.into())
            .trim_end_matches('/')
            .to_string();

        let wechat_timeout = parse_num(
            &raw.wechat_timeout_secs,
            "WECHAT_TIMEOUT_SECS",
            10u64,
            &mut problems,
        );
        let qr_page =
            non_empty(&raw.wechat_qr_page).unwrap_or_else(|| DEFAULT_WECHAT_QR_PAGE.into());
        if qr_page.starts_with('/') || qr_page.contains('?') || qr_page.len() > 128 {
            problems.push(
                "WECHAT_QR_PAGE: a page path such as `pages/entry/index`, without a leading `/` or a query"
                    .into(),
            );
        }
        let qr_env_version =
            non_empty(&raw.wechat_qr_env_version).unwrap_or_else(|| "release".into());
        if !matches!(qr_env_version.as_str(), "release" | "trial" | "develop") {
            problems.push("WECHAT_QR_ENV_VERSION: expected `release`, `trial` or `develop`".into());
        }

        let mut signing_secrets = Vec::new();
        match non_empty(&raw.hotline_signing_secret) {
            Some(s) if s.len() >= 16 => signing_secrets.push(SecretString::from(s)),
            Some(_) => {
                problems.push("HOTLINE_SIGNING_SECRET: must be at least 16 characters".into())
            }
            None => problems.push("HOTLINE_SIGNING_SECRET: must be set".into()),
        }
        match non_empty(&raw.hotline_signing_secret_previous) {
            Some(s) if s.len() >= 16 => signing_secrets.push(SecretString::from(s)),
            Some(_) => problems
                .push("HOTLINE_SIGNING_SECRET_PREVIOUS: must be at least 16 characters".into()),
            None => {}
        }

        let redis = non_empty(&raw.redis_url).map(|url| RedisSettings {
            url: SecretString::from(url),
            key_prefix: non_empty(&raw.ztc_redis_prefix).unwrap_or_else(|| "ztc".into()),
        });

        let max_connections = parse_num(
            &raw.ztc_db_max_connections,
            "ZTC_DB_MAX_CONNECTIONS",
            10u32,
            &mut problems,
        );
        let access_ttl = parse_num(
            &raw.ztc_access_token_ttl_secs,
            "ZTC_ACCESS_TOKEN_TTL_SECS",
            900u64,
            &mut problems,
        );
        let refresh_days = parse_num(
            &raw.ztc_refresh_token_ttl_days,
            "ZTC_REFRESH_TOKEN_TTL_DAYS",
            14u64,
            &mut problems,
        );
        let default_workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let workers = parse_num(
            &raw.ztc_workers,
            "ZTC_WORKERS",
            default_workers,
            &mut problems,
        );
        let shutdown_secs = parse_num(
            &raw.ztc_shutdown_timeout_secs,
            "ZTC_SHUTDOWN_TIMEOUT_SECS",
            30u64,
            &mut problems,
        );
        let notify_workers = match non_empty(&raw.ztc_notify_workers).as_deref() {
            None | Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(_) => {
                problems.push("ZTC_NOTIFY_WORKERS: expected true or false".into());
                true
            }
        };
        let notify = NotifySettings {
            workers: notify_workers,
            concurrency: parse_num(
                &raw.ztc_notify_concurrency,
                "ZTC_NOTIFY_CONCURRENCY",
                16usize,
                &mut problems,
            )
            .clamp(1, 256),
            max_attempts: parse_num(
                &raw.ztc_notify_max_attempts,
                "ZTC_NOTIFY_MAX_ATTEMPTS",
                8i32,
                &mut problems,
            )
            .max(1),
            retry_base: Duration::from_millis(parse_num(
                &raw.ztc_notify_retry_base_ms,
                "ZTC_NOTIFY_RETRY_BASE_MS",
                10_000u64,
                &mut problems,
            )),
            lease: Duration::from_secs(
                parse_num(
                    &raw.ztc_notify_lease_secs,
                    "ZTC_NOTIFY_LEASE_SECS",
                    5u64,
                    &mut problems,
                )
                .max(1),
            ),
            claim_idle: Duration::from_millis(
                parse_num(
                    &raw.ztc_notify_claim_idle_ms,
                    "ZTC_NOTIFY_CLAIM_IDLE_MS",
                    5_000u64,
                    &mut problems,
                )
                .max(100),
            ),
            reconcile_every: Duration::from_millis(
                parse_num(
                    &raw.ztc_notify_reconcile_ms,
                    "ZTC_NOTIFY_RECONCILE_MS",
                    2_000u64,
                    &mut problems,
                )
                .max(50),
            ),
            republish_after: Duration::from_millis(parse_num(
                &raw.ztc_notify_republish_after_ms,
                "ZTC_NOTIFY_REPUBLISH_AFTER_MS",
                10_000u64,
                &mut problems,
            )),
            stream_maxlen: parse_num(
                &raw.ztc_notify_stream_maxlen,
                "ZTC_NOTIFY_STREAM_MAXLEN",
                100_000usize,
                &mut problems,
            )
            .max(1000),
            sse_heartbeat: Duration::from_secs(
                parse_num(
                    &raw.ztc_sse_heartbeat_secs,
                    "ZTC_SSE_HEARTBEAT_SECS",
                    15u64,
                    &mut problems,
                )
                .max(1),
            ),
        };
        let content_check = match non_empty(&raw.wechat_content_check).as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                problems.push(format!(
                    "WECHAT_CONTENT_CHECK: expected on or off, got `{other}`"
                ));
                true
            }
        };
        let miniprogram_state = match non_empty(&raw.wechat_miniprogram_state).as_deref() {
            None if prod => "formal".to_string(),
            None => "developer".to_string(),
            Some(s @ ("formal" | "trial" | "developer")) => s.to_string(),
            Some(other) => {
                problems.push(format!(
                    "WECHAT_MINIPROGRAM_STATE: expected formal, trial or developer, got `{other}`"
                ));
                "formal".into()
            }
        };
        let progress_template_id = match non_empty(&raw.wechat_progress_template_id) {
            Some(t) => t,
            None if prod => {
                problems.push("WECHAT_PROGRESS_TEMPLATE_ID: must be set in production".into());
                String::new()
            }
            None => "dev-progress".into(),
        };
        let push_aes_key = match non_empty(&raw.wechat_push_aes_key) {
            Some(k) => match B64.decode(format!("{k}=")) {
                Ok(bytes) if bytes.len() == 32 => Some(SecretBytes::new(bytes)),
                _ => {
                    problems.push(
                        "WECHAT_PUSH_AES_KEY: expected the 43-character EncodingAESKey".into(),
                    );
                    None
                }
            },
            None => None,
        };
        let emergency_cap_yuan = parse_num(
            &raw.ztc_emergency_cap_yuan,
            "ZTC_EMERGENCY_CAP_YUAN",
            3000u64,
            &mut problems,
        );
        let trust_proxy = match non_empty(&raw.ztc_trust_proxy).as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => {
                problems.push("ZTC_TRUST_PROXY: expected true or false".into());
                false
            }
        };
        let format = match non_empty(&raw.ztc_log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(_) => {
                problems.push("ZTC_LOG_FORMAT: expected `text` or `json`".into());
                LogFormat::Text
            }
        };

        if !problems.is_empty() {
            bail!("invalid settings:\n  - {}", problems.join("\n  - "));
        }
        let current = data_key.ok_or_else(|| anyhow!("ZTC_DATA_KEY: must be set"))?;

        Ok(Settings {
            environment,
            bind,
            public_base_url,
            data_dir: PathBuf::from(non_empty(&raw.ztc_data_dir).unwrap_or_else(|| "data".into())),
            database: DatabaseSettings {
                url: SecretString::from(database_url),
                max_connections: max_connections.max(1),
            },
            redis,
            auth: AuthSettings {
                jwt_keys,
                issuer: "zhitongche".into(),
                access_ttl: Duration::from_secs(access_ttl.max(60)),
                refresh_ttl: Duration::from_secs(refresh_days.max(1) * 86_400),
            },
            data_keys: DataKeys {
                current,
                previous: previous_keys,
                index: index_key,
            },
            wechat: WechatSettings {
                app_id,
                app_secret,
                api_base,
                timeout: Duration::from_secs(wechat_timeout.max(1)),
                qr_page,
                qr_env_version,
                miniprogram_name: non_empty(&raw.wechat_miniprogram_name)
                    .unwrap_or_else(|| DEFAULT_MINIPROGRAM_NAME.into()),
                miniprogram_state,
                content_check,
                progress_template_id,
                templates_file: non_empty(&raw.wechat_templates_file).map(PathBuf::from),
                push_token: non_empty(&raw.wechat_push_token).map(SecretString::from),
                push_aes_key,
            },
            notify,
            hotline: HotlineSettings {
                signing_secrets,
                number: non_empty(&raw.ztc_hotline_number).unwrap_or_else(|| "12345".into()),
            },
            workers: workers.max(1),
            shutdown_timeout: Duration::from_secs(shutdown_secs),
            trust_proxy,
            emergency_cap_fen: (emergency_cap_yuan as i64).saturating_mul(100),
            log: LogSettings {
                format,
                filter: non_empty(&raw.ztc_log)
                    .unwrap_or_else(|| "info,sqlx=warn,sea_orm=warn".into()),
            },
        })
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }
}

impl RawSettings {
    /// The file (optional) overlaid by the environment.
    pub fn from_file_and_env(file: &Path) -> anyhow::Result<RawSettings> {
        let cfg = config::Config::builder()
            .add_source(
                config::File::from(file)
                    .format(config::FileFormat::Toml)
                    .required(false),
            )
            .add_source(config::Environment::default().ignore_empty(true))
            .build()
            .with_context(|| format!("reading {}", file.display()))?;
        cfg.try_deserialize().with_context(|| {
            format!(
                "parsing settings from {} and the environment",
                file.display()
            )
        })
    }

    /// Development only: secrets that are still missing come from `{data_dir}/dev-secrets.toml`,
    /// which is created with fresh random values the first time.
    pub fn with_dev_secrets(mut self) -> anyhow::Result<RawSettings> {
        let dev = matches!(
            non_empty(&self.ztc_env).as_deref(),
            None | Some("development") | Some("dev")
        );
        if !dev {
            return Ok(self);
        }
        let dir = PathBuf::from(non_empty(&self.ztc_data_dir).unwrap_or_else(|| "data".into()));
        let path = dir.join(DEV_SECRETS_FILE);
        let mut stored: BTreeMap<String, String> = if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            parse_simple_toml(&text)
        } else {
            BTreeMap::new()
        };
        let mut changed = false;
        type Generator = fn() -> String;
        let wanted: [(&str, Generator, &mut Option<String>); 3] = [
            ("ztc_jwt_keys", generate_jwt_keys, &mut self.ztc_jwt_keys),
            ("ztc_data_key", generate_data_key, &mut self.ztc_data_key),
            (
                "hotline_signing_secret",
                generate_hotline_secret,
                &mut self.hotline_signing_secret,
            ),
        ];
        for (key, generate, slot) in wanted {
            if non_empty(slot).is_some() {
                continue;
            }
            let value = match stored.get(key) {
                Some(v) => v.clone(),
                None => {
                    let v = generate();
                    stored.insert(key.to_string(), v.clone());
                    changed = true;
                    v
                }
            };
            tracing::warn!(
                setting = %key.to_uppercase(),
                file = %path.display(),
                "DEVELOPMENT SECRET IN USE: {} is not set, so a generated value from {} is used. Never do this in production.",
                key.to_uppercase(),
                path.display()
            );
            *slot = Some(value);
        }
        if changed {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let text: String = stored
                .iter()
                .map(|(k, v)| format!("{k} = \"{v}\"\n"))
                .collect();
            write_private(&path, &text)?;
        }
        Ok(self)
    }
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::{io::Write, os::unix::fs::OpenOptionsExt};
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("writing {}", path.display()))?;
        f.write_all(text.as_bytes())?;
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    }
}

/// `key = "value"` lines only: the dev-secrets file is written by us.
fn parse_simple_toml(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let (k, v) = line.split_once('=')?;
            Some((k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        })
        .collect()
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn parse_num<T: std::str::FromStr + Copy>(
    v: &Option<String>,
    name: &str,
    default: T,
    problems: &mut Vec<String>,
) -> T {
    match non_empty(v) {
        None => default,
        Some(s) => s.parse().unwrap_or_else(|_| {
            problems.push(format!(
                "{name}: expected a positive whole number, got `{s}`"
            ));
            default
        }),
    }
}

pub fn parse_jwt_keys(value: &str) -> anyhow::Result<Vec<JwtKey>> {
    let mut keys = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (kid, b64) = part
            .split_once(':')
            .ok_or_else(|| anyhow!("each key is `kid:base64secret`"))?;
        let kid = kid.trim();
        if kid.is_empty()
            || kid.len() > 32
            || !kid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            bail!("key id `{kid}` must be 1–32 letters, digits, - or _");
        }
        let secret = B64
            .decode(b64.trim())
            .map_err(|_| anyhow!("key `{kid}` is not valid base64"))?;
        if secret.len() < 32 {
            bail!("key `{kid}` must be at least 32 bytes");
        }
        if keys.iter().any(|k: &JwtKey| k.kid == kid) {
            bail!("key id `{kid}` appears twice");
        }
        keys.push(JwtKey {
            kid: kid.to_string(),
            secret: SecretBytes::new(secret),
        });
    }
    if keys.is_empty() {
        bail!("no keys given");
    }
    Ok(keys)
}

fn parse_data_key(value: &str) -> anyhow::Result<SecretBytes> {
    let bytes = B64
        .decode(value.trim())
        .map_err(|_| anyhow!("not valid base64"))?;
    if bytes.len() != 32 {
        bail!("must decode to exactly 32 bytes, got {}", bytes.len());
    }
    Ok(SecretBytes::new(bytes))
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // getrandom only fails when the OS has no entropy source at all; nothing can work then.
    getrandom::fill(&mut buf).expect("the operating system's random source is unavailable");
    buf
}

pub fn generate_jwt_keys() -> String {
    format!(
        "dev-{}:{}",
        hex::encode(random_bytes::<4>()),
        B64.encode(random_bytes::<32>())
    )
}

pub fn generate_data_key() -> String {
    B64.encode(random_bytes::<32>())
}

pub fn generate_hotline_secret() -> String {
    hex::encode(random_bytes::<32>())
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev_raw() -> RawSettings {
        RawSettings {
            ztc_jwt_keys: Some(generate_jwt_keys()),
            ztc_data_key: Some(generate_data_key()),
            hotline_signing_secret: Some(generate_hotline_secret()),
            ..RawSettings::default()
        }
    }

    #[test]
    fn development_defaults_need_no_setup_beyond_generated_secrets() {
        let s = Settings::from_raw(dev_raw()).unwrap();
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert!(s.database.is_sqlite());
        assert!(s.redis.is_none());
        assert!(s.wechat.dev_mode());
        assert_eq!(s.public_base_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn production_names_every_missing_or_dev_only_setting() {
        let raw = RawSettings {
            ztc_env: Some("production".into()),
            ..dev_raw()
        };
        let err = Settings::from_raw(raw).unwrap_err().to_string();
        for name in [
            "DATABASE_URL",
            "ZTC_PUBLIC_BASE_URL",
            "ZTC_JWT_KEYS",
            "WECHAT_APP_ID",
            "ZTC_INDEX_KEY",
        ] {
            assert!(err.contains(name), "{name} missing from: {err}");
        }
        assert!(err.contains("generated development key"));
    }

    #[test]
    fn production_accepts_complete_settings() {
        let raw = RawSettings {
            ztc_env: Some("production".into()),
            database_url: Some("postgres://app:pw@db/ztc".into()),
            ztc_public_base_url: Some("https://ztc.example.gov.cn".into()),
            ztc_jwt_keys: Some(format!("k2026:{}", B64.encode([7u8; 32]))),
            wechat_app_id: Some("wx123".into()),
            wechat_app_secret: Some("s".into()),
            wechat_progress_template_id: Some("tmpl-progress".into()),
            ztc_index_key: Some(generate_data_key()),
            ..dev_raw()
        };
        let s = Settings::from_raw(raw).unwrap();
        assert!(s.is_production());
        assert_eq!(s.wechat.miniprogram_state, "formal");
    }

    #[test]
    fn debug_output_never_contains_secrets() {
        let raw = RawSettings {
            database_url: Some("postgres://app:topsecretpw@db/ztc".into()),
            wechat_app_id: Some("wx123".into()),
            wechat_app_secret: Some("wechat-secret-value".into()),
            hotline_signing_secret: Some("hotline-secret-value-0123".into()),
            ..dev_raw()
        };
        let data_key = raw.ztc_data_key.clone().unwrap();
        let jwt = raw.ztc_jwt_keys.clone().unwrap();
        let jwt_secret = jwt.split_once(':').unwrap().1.to_string();
        let s = Settings::from_raw(raw).unwrap();
        let debug = format!("{s:?}");
        for secret in [
            "topsecretpw",
            "wechat-secret-value",
            "hotline-secret-value-0123",
            &data_key,
            &jwt_secret,
        ] {
            assert!(!debug.contains(secret), "secret leaked in Debug: {secret}");
        }
        assert!(debug.contains("db/ztc"));
    }

    #[test]
    fn malformed_values_are_reported_by_name() {
        let raw = RawSettings {
            ztc_data_key: Some("c2hvcnQ=".into()),
            ztc_jwt_keys: Some("nokid".into()),
            ztc_db_max_connections: Some("many".into()),
            hotline_signing_secret_previous: Some("short".into()),
            ..dev_raw()
        };
        let err = Settings::from_raw(raw).unwrap_err().to_string();
        assert!(err.contains("HOTLINE_SIGNING_SECRET_PREVIOUS: must be at least 16 characters"));
        assert!(err.contains("ZTC_DATA_KEY: must decode to exactly 32 bytes"));
        assert!(err.contains("ZTC_JWT_KEYS"));
        assert!(err.contains("ZTC_DB_MAX_CONNECTIONS"));
    }

    #[test]
    fn dev_secrets_are_generated_once_and_reused() {
        let dir =
            std::env::temp_dir().join(format!("ztc-cfg-{}", hex::encode(random_bytes::<6>())));
        let raw = RawSettings {
            ztc_data_dir: Some(dir.display().to_string()),
            ..RawSettings::default()
        };
        let first = raw.clone().with_dev_secrets().unwrap();
        let second = raw.with_dev_secrets().unwrap();
        assert_eq!(first.ztc_data_key, second.ztc_data_key);
        assert_eq!(first.ztc_jwt_keys, second.ztc_jwt_keys);
        let settings = Settings::from_raw(first).unwrap();
        // Without DATABASE_URL, the SQLite file sits in the same directory.
        assert_eq!(
            settings.database.url.expose_secret(),
            format!("sqlite://{}/zhitongche.db?mode=rwc", dir.display())
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
