//! What a test app is made of: its backend, whether it uses Redis, and its settings, with the
//! secrets and fake-WeChat address every test shares. `spawn` makes its data and starts it.

use std::sync::LazyLock;

use uuid::Uuid;
use wiremock::MockServer;
use zhitongche::{
    config::{self, RawSettings, Settings},
    startup::Application,
};

use crate::{app::TestApp, backends::Backend, resources::Resources};

static TRACING: LazyLock<()> = LazyLock::new(|| {
    let filter = std::env::var("TEST_LOG").unwrap_or_default();
    if !filter.is_empty() {
        let filter = if filter == "1" || filter == "true" {
            "info,sqlx=warn".to_string()
        } else {
            filter
        };
        zhitongche::telemetry::init_subscriber(zhitongche::telemetry::get_subscriber(
            &filter,
            config::LogFormat::Text,
            std::io::stdout,
        ));
    }
});

type SettingsTweak = Box<dyn FnOnce(&mut RawSettings) + Send>;

pub struct TestAppBuilder {
    backend: Backend,
    redis: bool,
    tweak: Vec<SettingsTweak>,
}

/// Defaults: SQLite runs embedded (no Redis), PostgreSQL runs with Redis.
pub async fn spawn_app(backend: Backend) -> TestApp {
    TestApp::builder(backend).spawn().await
}

impl TestApp {
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder {
            backend,
            redis: backend == Backend::Postgres,
            tweak: Vec::new(),
        }
    }
}

impl TestAppBuilder {
    pub fn redis(mut self, on: bool) -> Self {
        self.redis = on;
        self
    }

    /// Adjusts the settings before the application is built.
    pub fn settings(mut self, f: impl FnOnce(&mut RawSettings) + Send + 'static) -> Self {
        self.tweak.push(Box::new(f));
        self
    }

    /// No WeChat app id or secret: the application runs WeChat in dev mode.
    pub fn dev_wechat(self) -> Self {
        self.settings(|raw| {
            raw.wechat_app_id = None;
            raw.wechat_app_secret = None;
        })
    }

    pub async fn spawn(self) -> TestApp {
        LazyLock::force(&TRACING);
        let id = Uuid::now_v7().simple().to_string();
        let wechat = MockServer::start().await;
        let (resources, database_url) = Resources::create(self.backend, &id, self.redis).await;
        let mut raw = RawSettings {
            database_url: Some(database_url),
            ztc_bind: Some("127.0.0.1:0".into()),
            ztc_data_dir: Some(resources.sqlite_dir.display().to_string()),
            ztc_jwt_keys: Some(config::generate_jwt_keys()),
            ztc_data_key: Some(config::generate_data_key()),
            hotline_signing_secret: Some(config::generate_hotline_secret()),
            wechat_app_id: Some("wxtestappid".into()),
            wechat_app_secret: Some("wechat-test-secret".into()),
            wechat_api_base: Some(wechat.uri()),
            // On in production; tests that are about it turn it on.
            wechat_content_check: Some("off".into()),
            ztc_workers: Some("1".into()),
            ztc_shutdown_timeout_secs: Some("1".into()),
            ztc_db_max_connections: Some("5".into()),
            ..RawSettings::default()
        };
        if let Some(prefix) = &resources.redis_prefix {
            raw.redis_url = Some(crate::backends::redis_url());
            raw.ztc_redis_prefix = Some(prefix.clone());
        }
        for f in self.tweak {
            f(&mut raw);
        }
        let settings = Settings::from_raw(raw.clone()).expect("test settings are valid");
        let app = Application::build(settings)
            .await
            .expect("application builds");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp::run(app, client, raw, wechat, self.backend, Some(resources))
    }
}
