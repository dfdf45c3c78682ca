use base64::{Engine, engine::general_purpose::STANDARD as B64};
use secrecy::ExposeSecret;

use super::{build::build, *};

fn dev_raw() -> RawSettings {
    RawSettings {
        ztc_jwt_keys: Some(generate_jwt_keys()),
        ztc_data_key: Some(generate_data_key()),
        hotline_signing_secret: Some(generate_hotline_secret()),
        ..RawSettings::default()
    }
}

#[test]
fn the_readme_settings_table_is_the_code_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let documented: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| name | meaning | default |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let expected: Vec<String> = SETTINGS.iter().map(Setting::readme_row).collect();
    assert!(
        documented == expected,
        "README.md's settings table differs from config/table.rs; the rows should be:\n{}",
        expected.join("\n")
    );
}

#[test]
fn development_defaults_need_no_setup_beyond_generated_secrets() {
    let s = Settings::from_raw(dev_raw()).unwrap();
    assert_eq!(s.bind, "127.0.0.1:8080");
    assert_eq!(
        s.database.url.expose_secret(),
        "sqlite://data/zhitongche.db?mode=rwc"
    );
    assert!(s.redis.is_none());
    assert!(s.wechat.dev_mode());
    assert_eq!(s.wechat.miniprogram_state, "developer");
    assert_eq!(s.public_base_url, "http://127.0.0.1:8080");
    assert_eq!(s.log.filter, "info,sqlx=warn,sea_orm=warn");
    assert_eq!(s.emergency_cap_fen, 300_000);
    assert_eq!(s.notify.claim_idle.as_millis(), 5_000);
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
        "WECHAT_PROGRESS_TEMPLATE_ID",
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
        ztc_log_format: Some("xml".into()),
        ..dev_raw()
    };
    let err = Settings::from_raw(raw).unwrap_err().to_string();
    assert!(err.contains("HOTLINE_SIGNING_SECRET_PREVIOUS: must be at least 16 characters"));
    assert!(err.contains("ZTC_DATA_KEY: must decode to exactly 32 bytes"));
    assert!(err.contains("ZTC_JWT_KEYS"));
    assert!(err.contains("ZTC_DB_MAX_CONNECTIONS"));
    assert!(err.contains("ZTC_LOG_FORMAT: expected `text` or `json`, got `xml`"));
}

#[test]
fn values_that_cannot_work_are_refused_with_their_range() {
    let raw = RawSettings {
        ztc_db_max_connections: Some("0".into()),
        ztc_access_token_ttl_secs: Some("0".into()),
        ztc_refresh_token_ttl_days: Some("0".into()),
        ztc_notify_max_attempts: Some("-1".into()),
        ztc_emergency_cap_yuan: Some("5000000".into()),
        ztc_notify_concurrency: Some("0".into()),
        ..dev_raw()
    };
    let err = Settings::from_raw(raw).unwrap_err().to_string();
    for expected in [
        "ZTC_DB_MAX_CONNECTIONS: must be at least 1, got 0",
        "ZTC_ACCESS_TOKEN_TTL_SECS: must be at least 1, got 0",
        "ZTC_REFRESH_TOKEN_TTL_DAYS: must be between 1 and 3650, got 0",
        "ZTC_NOTIFY_MAX_ATTEMPTS: must be at least 1, got -1",
        "ZTC_EMERGENCY_CAP_YUAN: must be between 0 and 1000000, got 5000000",
        "ZTC_NOTIFY_CONCURRENCY: must be at least 1, got 0",
    ] {
        assert!(err.contains(expected), "{expected} missing from: {err}");
    }
}

#[test]
fn tuning_values_past_their_limit_are_moved_to_it_and_reported() {
    let raw = RawSettings {
        ztc_notify_concurrency: Some("1000".into()),
        ztc_notify_claim_idle_ms: Some("10".into()),
        ztc_notify_reconcile_ms: Some("50".into()),
        ztc_notify_stream_maxlen: Some("10".into()),
        ..dev_raw()
    };
    let (s, moved) = build(&raw).unwrap();
    assert_eq!(s.notify.concurrency, 256);
    assert_eq!(s.notify.claim_idle.as_millis(), 100);
    assert_eq!(s.notify.reconcile_every.as_millis(), 50);
    assert_eq!(s.notify.stream_maxlen, 1000);
    let adjusted = |setting, given: &str, used: &str| Adjusted {
        setting,
        given: given.into(),
        used: used.into(),
    };
    assert_eq!(
        moved,
        vec![
            adjusted("ZTC_NOTIFY_CONCURRENCY", "1000", "256"),
            adjusted("ZTC_NOTIFY_CLAIM_IDLE_MS", "10", "100"),
            adjusted("ZTC_NOTIFY_STREAM_MAXLEN", "10", "1000"),
        ]
    );
}

#[test]
fn the_log_settings_can_be_read_before_validation() {
    let raw = RawSettings {
        ztc_log_format: Some("json".into()),
        ztc_workers: Some("none".into()),
        ..RawSettings::default()
    };
    let log = raw.log();
    assert_eq!(log.format, LogFormat::Json);
    assert_eq!(log.filter, "info,sqlx=warn,sea_orm=warn");
}

#[test]
fn dev_secrets_are_generated_once_and_reused() {
    let dir = std::env::temp_dir().join(format!("ztc-cfg-{}", hex::encode(random_bytes::<6>())));
    let raw = RawSettings {
        ztc_data_dir: Some(dir.display().to_string()),
        ..RawSettings::default()
    };
    let first = raw.clone().with_dev_secrets().unwrap();
    let second = raw.with_dev_secrets().unwrap();
    assert_eq!(first.ztc_data_key, second.ztc_data_key);
    assert_eq!(first.ztc_jwt_keys, second.ztc_jwt_keys);
    assert_eq!(first.hotline_signing_secret, second.hotline_signing_secret);
    let settings = Settings::from_raw(first).unwrap();
    // Without DATABASE_URL, the SQLite file sits in the same directory.
    assert_eq!(
        settings.database.url.expose_secret(),
        format!("sqlite://{}/zhitongche.db?mode=rwc", dir.display())
    );
    std::fs::remove_dir_all(dir).unwrap();
}
