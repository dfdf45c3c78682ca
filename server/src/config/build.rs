//! Typing the raw settings, one small function per group. Every problem is collected and
//! reported together, naming the setting; production's extra demands are in `production.rs`.

use std::{path::PathBuf, time::Duration};

use anyhow::bail;
use secrecy::SecretString;

use super::{
    DatabaseSettings, Environment, LogFormat, LogSettings, RawSettings, RedisSettings, Settings,
    production,
    read::{Adjusted, Reader},
    secrets, services, setting as S,
};

/// The file read from the working directory, if present.
pub const CONFIG_FILE: &str = "zhitongche.toml";

impl Settings {
    /// Reads `zhitongche.toml` (if present) and the environment; in development, fills missing
    /// secrets from (or into) `{data_dir}/dev-secrets.toml` with a loud warning.
    pub fn load() -> anyhow::Result<Settings> {
        let raw = RawSettings::from_file_and_env(std::path::Path::new(CONFIG_FILE))?;
        Settings::from_raw(raw.with_dev_secrets()?)
    }

    /// Validates and types the raw settings. Production refuses missing or dev-only values,
    /// naming the setting; a tuning value moved into its range is logged as a warning.
    pub fn from_raw(raw: RawSettings) -> anyhow::Result<Settings> {
        let (settings, adjusted) = build(&raw)?;
        for a in adjusted {
            tracing::warn!(
                setting = a.setting,
                given = %a.given,
                used = %a.used,
                "{} = {} is outside its range; {} is used",
                a.setting,
                a.given,
                a.used
            );
        }
        Ok(settings)
    }
}

impl RawSettings {
    /// The log settings as far as they can be read before validation (the logger starts
    /// first, so that validation can log): anything unreadable falls back to the default.
    pub fn log(&self) -> LogSettings {
        log(&mut Reader::new(self, false))
    }
}

/// The settings and the values that were moved into their range.
pub(super) fn build(raw: &RawSettings) -> anyhow::Result<(Settings, Vec<Adjusted>)> {
    let environment = environment(raw)?;
    let mut r = Reader::new(raw, environment == Environment::Production);
    let bind = r.text(&S::ztc_bind);
    let settings = Settings {
        environment,
        public_base_url: public_base_url(&mut r, &bind),
        bind,
        data_dir: PathBuf::from(r.text(&S::ztc_data_dir)),
        database: database(&mut r),
        redis: redis(&r),
        auth: secrets::auth(&mut r),
        data_keys: secrets::data_keys(&mut r),
        wechat: services::wechat(&mut r),
        hotline: secrets::hotline(&mut r),
        notify: services::notify(&mut r),
        workers: workers(&mut r),
        shutdown_timeout: Duration::from_secs(r.number(&S::ztc_shutdown_timeout_secs, ..)),
        trust_proxy: r.flag(&S::ztc_trust_proxy),
        emergency_cap_fen: emergency_cap_fen(&mut r),
        log: log(&mut r),
        care: services::care(&mut r),
    };
    if r.prod {
        production::check(&mut r, &settings);
    }
    if !r.problems.is_empty() {
        bail!("invalid settings:\n  - {}", r.problems.join("\n  - "));
    }
    Ok((settings, r.adjusted))
}

pub(super) fn environment(raw: &RawSettings) -> anyhow::Result<Environment> {
    match Reader::new(raw, false).text(&S::ztc_env).as_str() {
        "development" | "dev" => Ok(Environment::Development),
        "production" | "prod" => Ok(Environment::Production),
        other => bail!("ZTC_ENV: expected `development` or `production`, got `{other}`"),
    }
}

fn public_base_url(r: &mut Reader, bind: &str) -> String {
    let url = match r.given(&S::ztc_public_base_url) {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => format!("http://{bind}"),
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        r.problem(
            &S::ztc_public_base_url,
            "must start with http:// or https://",
        );
    }
    url
}

fn database(r: &mut Reader) -> DatabaseSettings {
    // The embedded database lives in the data directory, with the development secrets.
    let url = r.given(&S::database_url).unwrap_or_else(|| {
        let dir = r.text(&S::ztc_data_dir);
        format!(
            "sqlite://{}/zhitongche.db?mode=rwc",
            dir.trim_end_matches('/')
        )
    });
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if !known.iter().any(|scheme| url.starts_with(scheme)) {
        r.problem(&S::database_url, "expected sqlite:… or postgres://…");
    }
    DatabaseSettings {
        url: SecretString::from(url),
        max_connections: r.number(&S::ztc_db_max_connections, 1u32..),
    }
}

fn redis(r: &Reader) -> Option<RedisSettings> {
    r.given(&S::redis_url).map(|url| RedisSettings {
        url: SecretString::from(url),
        key_prefix: r.text(&S::ztc_redis_prefix),
    })
}

fn workers(r: &mut Reader) -> usize {
    match r.given(&S::ztc_workers) {
        Some(_) => r.number(&S::ztc_workers, 1usize..),
        None => std::thread::available_parallelism().map_or(2, |n| n.get()),
    }
}

/// The per-street default in fen; the same ceiling as an amount entered through the API.
fn emergency_cap_fen(r: &mut Reader) -> i64 {
    let yuan: u64 = r.number(&S::ztc_emergency_cap_yuan, 0..=1_000_000);
    i64::try_from(yuan).unwrap_or(i64::MAX).saturating_mul(100)
}

fn log(r: &mut Reader) -> LogSettings {
    LogSettings {
        format: r.choice(
            &S::ztc_log_format,
            &[("text", LogFormat::Text), ("json", LogFormat::Json)],
        ),
        filter: r.text(&S::ztc_log),
    }
}
