//! Every setting, once: field (= lower-cased name), meaning and what an unset one means. The
//! README's settings table is these rows (a unit test compares them).

use super::spec::{Setting, WhenUnset::*, env_name, settings};

settings! {
    database_url: "database; `postgres://…` for PostgreSQL",
        Described("`sqlite://{ZTC_DATA_DIR}/zhitongche.db?mode=rwc`");
    redis_url: "Redis for the shared queue, token cache and throttling; unset = embedded",
        Described("unset");
    ztc_bind: "listen address", Value("127.0.0.1:8080");
    ztc_env: "`development` or `production`", Value("development");
    ztc_public_base_url: "public URL of this service (QR landing pages)",
        Described("`http://{ZTC_BIND}`");
    ztc_jwt_keys: "`kid:base64key,…` (≥ 32 bytes each); the first signs, all verify — add a new key in front to rotate",
        Described("generated in development");
    ztc_data_key: "base64 of 32 bytes: field-encryption root key",
        Described("generated in development");
    ztc_data_key_previous: "older data keys (comma-separated), still accepted for decryption",
        Described("unset");
    ztc_index_key: "base64 of 32 bytes: blind-index key for lookups by ID number or phone; kept when `ZTC_DATA_KEY` rotates, never rotated itself (required in production)",
        Described("derived from `ZTC_DATA_KEY` in development");
    wechat_app_id: "mini-program appid; unset in development = dev WeChat mode", Described("unset");
    wechat_app_secret: "mini-program secret", Described("unset");
    wechat_api_base: "WeChat API base URL", Value("https://api.weixin.qq.com");
    wechat_timeout_secs: "timeout of each WeChat API call", Value("10");
    wechat_qr_page: "mini-program page a 小程序码 opens (no leading `/`, no query); it receives the entry point's `scene`",
        Value("pages/entry/index");
    wechat_qr_env_version: "`release`, `trial` or `develop`: which build of the mini-program a 小程序码 opens",
        Value("release");
    wechat_miniprogram_name: "the mini-program's name, as residents search for it in WeChat (landing page)",
        Value("社会救助直通车");
    hotline_signing_secret: "HMAC secret of the telephony platform's callbacks",
        Described("generated in development");
    hotline_signing_secret_previous: "previous hotline secret, accepted during rotation",
        Described("unset");
    ztc_hotline_number: "the assistance hotline shown to residents", Value("12345");
    ztc_notify_workers: "`false`: this instance serves HTTP only; another instance runs the notification pipeline",
        Value("true");
    ztc_notify_concurrency: "deliveries each consumer sends at once (1–256)", Value("16");
    ztc_sse_heartbeat_secs: "heartbeat of the staff live stream; the session is re-checked at each, and a disabled account's stream ends",
        Value("15");
    ztc_notify_max_attempts: "send attempts before a notification is dead-lettered", Value("8");
    ztc_notify_retry_base_ms: "first retry delay; doubles each attempt (with jitter), capped at 1 h",
        Value("10000");
    ztc_notify_lease_secs: "how long a consumer's claim on a delivery lasts unless renewed (it is, every third, while a WeChat call is out): a consumer that dies is replaced this long after",
        Value("5");
    ztc_notify_claim_idle_ms: "stream entries read by a consumer that died are taken over (`XAUTOCLAIM`) once idle this long (at least 100)",
        Value("5000");
    ztc_notify_reconcile_ms: "how often the reconciler looks for deliveries to move on (at least 50)",
        Value("2000");
    ztc_notify_republish_after_ms: "a delivery whose message was lost is published again after this long, and again each time until it is done (at once when Redis lost the stream)",
        Value("10000");
    ztc_notify_stream_maxlen: "approximate length cap of the Redis stream (at least 1000)",
        Value("100000");
    wechat_content_check: "`on` or `off`: check what a resident writes with `msg_sec_check` at submission (`risky` is refused; `review` or a failed check lets it through, marked for a person to read)",
        Value("on");
    wechat_miniprogram_state: "`formal`, `trial` or `developer`: which app version a notice opens",
        ValueNoting("formal", "(`developer` in development)");
    wechat_progress_template_id: "subscribe-message template for case-progress notices",
        ValueNoting("dev-progress", "(development only; required in production)");
    wechat_templates_file: "TOML file with a template per event type (see below)", Described("unset");
    wechat_push_token: "token of the WeChat message-push configuration",
        Described("unset = push endpoint off");
    wechat_push_aes_key: "EncodingAESKey (43 characters) for safe-mode pushes; when set, plain pushes are refused",
        Described("unset = plain mode only");
    ztc_emergency_cap_yuan: "先行救助 a street may grant on its own, unless the street has its own setting (at most 1000000)",
        Value("3000");
    ztc_data_dir: "where the SQLite file and the development secrets live", Value("data");
    ztc_redis_prefix: "prefix of every Redis key", Value("ztc");
    ztc_db_max_connections: "PostgreSQL pool size (SQLite always uses one connection)", Value("10");
    ztc_access_token_ttl_secs: "access-token lifetime (at least 1)", Value("900");
    ztc_refresh_token_ttl_days: "refresh-token lifetime (1–3650)", Value("14");
    ztc_workers: "HTTP worker threads", Described("number of CPUs");
    ztc_shutdown_timeout_secs: "grace period for in-flight requests on SIGTERM/SIGINT (live streams end at once, with `event: reconnect`)",
        Value("30");
    ztc_trust_proxy: "`true` behind one reverse proxy: the client IP is the last `X-Forwarded-For` hop, the one the proxy appended (earlier hops are the client's to invent)",
        Value("false");
    ztc_log_format: "`text` or `json`", Value("text");
    ztc_log: "log filter (tracing `EnvFilter` syntax)", Value("info,sqlx=warn,sea_orm=warn");
    ztc_care_due_soon_days: "calendar days before a visit's due day when the assigned worker is reminded (0–30)",
        Value("2");
    ztc_care_street_after_days: "working days after a missed due day before the street is told (催办; 0–60)",
        Value("3");
    ztc_care_district_after_days: "working days after the street was told before the district is (督办; 0–60)",
        Value("5");
    ztc_care_scan_secs: "how often the missed-visit scanner runs (1–86400)",
        Value("300");
    ztc_import_batch_rows: "rows an import writes per transaction (1–10000)",
        Value("500");
    ztc_import_max_mb: "largest import file accepted, in MiB (1–1024)",
        Value("32");
}
