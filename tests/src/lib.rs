//! The one test harness: `spawn_app` starts the real application on port 0 against a fresh
//! SQLite file or a fresh PostgreSQL database, real Redis under a unique key prefix, and a
//! wiremock server standing in for WeChat. Dropping the `TestApp` stops it and removes the
//! database, the file and the Redis keys. Logs only when `TEST_LOG` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    sync::{LazyLock, mpsc},
    time::Duration,
};

use reqwest::{Method, StatusCode, header::HeaderMap};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use tokio::sync::oneshot;
use uuid::Uuid;
use wiremock::MockServer;
use zhitongche::{
    config::{self, RawSettings, Settings},
    startup::{Application, build_state},
    state::AppState,
};

pub use zhitongche;

pub mod chaos;
pub mod matrix;

pub fn pg_admin_url() -> String {
    std::env::var("ZTC_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub fn redis_url() -> String {
    std::env::var("ZTC_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once on SQLite (embedded mode, no Redis) and once on PostgreSQL (with
/// Redis). Test names read as sentences; the backend becomes the last path segment.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($app:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let $app = $crate::spawn_app($crate::Backend::Sqlite).await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let $app = $crate::spawn_app($crate::Backend::Postgres).await;
                $body
            }
        }
    )*};
}

/// Like `both_backends!`, but the app comes from `make(backend)` (custom settings).
#[macro_export]
macro_rules! both_backends_with {
    ($make:path; $(async fn $name:ident($app:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let $app = $make($crate::Backend::Sqlite).await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let $app = $make($crate::Backend::Postgres).await;
                $body
            }
        }
    )*};
}

/// Where a test's data lives, removed on drop.
#[derive(Clone)]
struct Resources {
    pg_database: Option<String>,
    sqlite_dir: Option<std::path::PathBuf>,
    redis_prefix: Option<String>,
}

impl Resources {
    async fn remove(self) {
        if let Some(name) = self.pg_database
            && let Ok(admin) = Database::connect(format!("{}/postgres", pg_admin_url())).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
            let _ = admin.close().await;
        }
        if let Some(dir) = self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(prefix) = self.redis_prefix
            && let Ok(client) = redis::Client::open(redis_url())
            && let Ok(mut conn) = client.get_multiplexed_async_connection().await
        {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{prefix}:*"))
                .query_async(&mut conn)
                .await
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: Result<(), _> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
            }
        }
    }
}

type SettingsTweak = Box<dyn FnOnce(&mut RawSettings) + Send>;

pub struct TestAppBuilder {
    backend: Backend,
    redis: bool,
    tweak: Vec<SettingsTweak>,
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

    pub async fn spawn(self) -> TestApp {
        LazyLock::force(&TRACING);
        let id = Uuid::now_v7().simple().to_string();
        let wechat = MockServer::start().await;
        let mut resources = Resources {
            pg_database: None,
            sqlite_dir: None,
            redis_prefix: None,
        };
        let sqlite_dir = std::env::temp_dir().join(format!("ztc-test-{id}"));
        std::fs::create_dir_all(&sqlite_dir).unwrap();
        resources.sqlite_dir = Some(sqlite_dir.clone());
        let database_url = match self.backend {
            Backend::Sqlite => format!("sqlite://{}?mode=rwc", sqlite_dir.join("app.db").display()),
            Backend::Postgres => {
                let name = format!("ztc_test_{id}");
                let admin = Database::connect(format!("{}/postgres", pg_admin_url()))
                    .await
                    .expect("PostgreSQL must be running on 127.0.0.1:5432 (see README)");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                resources.pg_database = Some(name.clone());
                format!("{}/{name}", pg_admin_url())
            }
        };
        let mut raw = RawSettings {
            database_url: Some(database_url),
            ztc_bind: Some("127.0.0.1:0".into()),
            ztc_data_dir: Some(sqlite_dir.display().to_string()),
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
        if self.redis {
            let prefix = format!("ztc-test-{id}");
            raw.redis_url = Some(redis_url());
            raw.ztc_redis_prefix = Some(prefix.clone());
            resources.redis_prefix = Some(prefix);
        }
        for f in self.tweak {
            f(&mut raw);
        }
        let settings = Settings::from_raw(raw.clone()).expect("test settings are valid");
        let app = Application::build(settings)
            .await
            .expect("application builds");
        let port = app.port();
        let state = app.state().clone();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        tokio::spawn(async move {
            let _ = app
                .run_until_stopped(async {
                    let _ = stop_rx.await;
                })
                .await;
            let _ = done_tx.send(());
        });
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            state,
            raw,
            wechat,
            backend: self.backend,
            stop: Some(stop_tx),
            done: Some(done_rx),
            resources: Some(resources),
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    /// The running instance's state: database, Redis, settings.
    pub state: AppState,
    /// The settings it was built from, to start more instances on the same data.
    pub raw: RawSettings,
    pub wechat: MockServer,
    pub backend: Backend,
    stop: Option<oneshot::Sender<()>>,
    done: Option<mpsc::Receiver<()>>,
    /// `None` for extra instances, which share the first one's data.
    resources: Option<Resources>,
}

/// Defaults: SQLite runs embedded (no Redis), PostgreSQL runs with Redis.
pub async fn spawn_app(backend: Backend) -> TestApp {
    TestApp::builder(backend).spawn().await
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let done = self.done.take();
        let resources = self.resources.take();
        // A separate thread: the test's runtime keeps driving the server's shutdown meanwhile.
        let _ = std::thread::spawn(move || {
            if let Some(done) = done {
                let _ = done.recv_timeout(Duration::from_secs(10));
            }
            if let Some(resources) = resources {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(resources.remove());
            }
        })
        .join();
    }
}

/// A response with its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl TestResponse {
    /// `error.code` of an error body.
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts the stable error shape and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(self.error_code(), code, "body: {}", self.text);
        assert!(
            self.body["error"]["message"].is_string(),
            "body: {}",
            self.text
        );
        assert!(
            self.body["error"]["fields"].is_object(),
            "body: {}",
            self.text
        );
        self
    }
}

#[derive(Debug, Clone)]
pub struct TestStaff {
    pub id: Uuid,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder {
            backend,
            redis: backend == Backend::Postgres,
            tweak: Vec::new(),
        }
    }

    /// Starts another instance on the same database and Redis prefix (not cleaned up by it).
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(self.raw.clone()).await
    }

    /// Another instance with adjusted settings, on the same data and the same fake WeChat.
    pub async fn another_instance_with(&self, raw: RawSettings) -> TestApp {
        let settings = Settings::from_raw(raw.clone()).unwrap();
        let state = build_state(settings).await.unwrap();
        let app = Application::with_state(state).unwrap();
        let port = app.port();
        let state = app.state().clone();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        tokio::spawn(async move {
            let _ = app
                .run_until_stopped(async {
                    let _ = stop_rx.await;
                })
                .await;
            let _ = done_tx.send(());
        });
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client: self.client.clone(),
            state,
            raw,
            // Unused: this instance calls the first instance's fake WeChat (same settings).
            wechat: MockServer::start().await,
            backend: self.backend,
            stop: Some(stop_tx),
            done: Some(done_rx),
            resources: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> TestResponse {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        into_test_response(req.send().await.expect("request reaches the app")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> TestResponse {
        self.send(Method::PATCH, path, token, Some(body)).await
    }

    /// Loads the demo jurisdictions (天津市 and below).
    pub async fn seed_demo(&self) {
        zhitongche::jurisdictions::demo::load(&self.state.db)
            .await
            .unwrap();
    }

    /// Creates a staff account directly in the database.
    pub async fn create_staff(&self, role: &str, jurisdiction_code: &str) -> TestStaff {
        use zhitongche::{auth::password, jurisdictions, staff};
        let node = jurisdictions::store::find_by_code(&self.state.db, jurisdiction_code)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("jurisdiction {jurisdiction_code} exists (seed_demo?)"));
        let username = format!("{role}-{}", &Uuid::new_v4().simple().to_string()[..10]);
        let password = format!("Pw-{}-9", Uuid::new_v4().simple());
        let account = staff::store::insert(
            &self.state.db,
            staff::store::NewStaff {
                username: &username,
                display_name: None,
                password_hash: password::hash(password.clone()).await.unwrap(),
                role: staff::Role::parse(role).unwrap(),
                jurisdiction_id: node.id,
            },
        )
        .await
        .unwrap();
        TestStaff {
            id: account.id,
            username,
            password,
        }
    }

    pub async fn login(&self, staff: &TestStaff) -> Tokens {
        let res = self
            .post(
                "/api/v1/auth/staff/login",
                None,
                &serde_json::json!({"username": staff.username, "password": staff.password}),
            )
            .await;
        res.assert_status(200);
        Tokens {
            access: res.body["access_token"].as_str().unwrap().to_string(),
            refresh: res.body["refresh_token"].as_str().unwrap().to_string(),
        }
    }

    /// A resident (created on first use of `openid`) with a session, as WeChat login would give.
    pub async fn resident_login(&self, openid: &str) -> (Uuid, Tokens) {
        use zhitongche::auth::{jwt::Audience, store};
        let resident = zhitongche::residents::store::upsert_login(&self.state.db, openid, None)
            .await
            .unwrap();
        let (access, _) = self
            .state
            .jwt
            .issue(Audience::Resident, resident.id)
            .unwrap();
        let refresh = store::issue(
            &self.state.db,
            store::PrincipalKind::Resident,
            resident.id,
            None,
            self.state.settings.auth.refresh_ttl,
        )
        .await
        .unwrap();
        (resident.id, Tokens { access, refresh })
    }

    /// Makes the fake WeChat hand out `token` from `stable_token` (exact request asserted), at
    /// most `times` times when given.
    pub async fn mock_stable_token(&self, token: &str, times: Option<u64>) {
        use wiremock::{
            Mock, ResponseTemplate,
            matchers::{body_json, method, path},
        };
        let mut mock = Mock::given(method("POST"))
            .and(path("/cgi-bin/stable_token"))
            .and(body_json(serde_json::json!({
                "grant_type": "client_credential",
                "appid": "wxtestappid",
                "secret": "wechat-test-secret",
                "force_refresh": false
            })))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"access_token": token, "expires_in": 7200})),
            );
        if let Some(n) = times {
            mock = mock.up_to_n_times(n).with_priority(1);
        }
        mock.mount(&self.wechat).await;
    }

    /// Creates an entry point through the API and returns its JSON.
    pub async fn create_entry_point(&self, token: &str, community: &str, label: &str) -> Value {
        let res = self
            .post(
                "/api/v1/admin/entry-points",
                Some(token),
                &serde_json::json!({"jurisdiction_code": community, "label": label, "channel": "poster"}),
            )
            .await;
        res.assert_status(201);
        res.body
    }

    /// Raw bytes of a GET, with status and headers.
    pub async fn get_bytes(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request reaches the app");
        let status = res.status();
        let headers = res.headers().clone();
        (status, headers, res.bytes().await.unwrap().to_vec())
    }

    /// A logged-in staff member's access token.
    pub async fn staff_token(&self, role: &str, jurisdiction_code: &str) -> (TestStaff, String) {
        let staff = self.create_staff(role, jurisdiction_code).await;
        let tokens = self.login(&staff).await;
        (staff, tokens.access)
    }
}

/// A valid resident ID number (GB 11643) for a birth date `yyyymmdd` and sequence `nnn`,
/// with the address code 110105.
pub fn id_number(birth: &str, seq: &str) -> String {
    let body = format!("110105{birth}{seq}");
    let check = zhitongche::privacy::id_number::check_char(&body).unwrap();
    format!("{body}{check}")
}

/// A complete application body for `kind` in `community`, applicant identified by `id`.
pub fn application_body(kind: &str, community: &str, id: &str) -> Value {
    serde_json::json!({
        "assistance_type": kind,
        "community_code": community,
        "applicant": {"name": "张秀兰", "id_number": id, "phone": "13812345678"},
        "address": "和平区福安大街 18 号 3 门 201",
        "household": [{"name": "王建国", "relation": "配偶", "age": 78}],
        "monthly_income_yuan": 860.5,
        "description": "老两口无固定收入,老伴常年住院,医药费负担很重",
        "urgent": false
    })
}

impl TestApp {
    /// Posts an application for a resident and returns the response.
    pub async fn apply(&self, resident_token: &str, body: &Value) -> TestResponse {
        self.post("/api/v1/applications", Some(resident_token), body)
            .await
    }

    /// Takes a staff action on a case at the version it has now.
    pub async fn act(&self, token: &str, id: &str, action: &str, extra: Value) -> TestResponse {
        let version = self.version_of(id).await;
        let mut body = serde_json::json!({ "action": action, "expected_version": version });
        if let (Some(obj), Value::Object(extra)) = (body.as_object_mut(), extra) {
            obj.extend(extra);
        }
        self.post(
            &format!("/api/v1/staff/applications/{id}/transitions"),
            Some(token),
            &body,
        )
        .await
    }

    /// The case's current version, read straight from the database.
    pub async fn version_of(&self, id: &str) -> i32 {
        use sea_orm::EntityTrait;
        entity::applications::Entity::find_by_id(Uuid::parse_str(id).unwrap())
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap()
            .version
    }

    /// The stored case, for assertions on fields the API does not show.
    pub async fn stored(&self, id: &str) -> entity::applications::Model {
        use sea_orm::EntityTrait;
        entity::applications::Entity::find_by_id(Uuid::parse_str(id).unwrap())
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap()
    }

    /// Outbox rows of a case, oldest first.
    pub async fn outbox_of(&self, id: &str) -> Vec<entity::outbox::Model> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        entity::outbox::Entity::find()
            .filter(entity::outbox::Column::AggregateId.eq(Uuid::parse_str(id).unwrap()))
            .order_by_asc(entity::outbox::Column::Id)
            .all(&self.state.db)
            .await
            .unwrap()
    }
}

/// Polls `check` until it returns `Some`, failing the test after `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An open Server-Sent Events connection.
pub struct SseClient {
    response: reqwest::Response,
    buffer: String,
}

#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: String,
    pub event: String,
    pub data: Value,
}

impl SseClient {
    /// The next event (comments and heartbeats skipped), or `None` after `secs` seconds.
    pub async fn next_event(&mut self, secs: u64) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut ev = SseEvent {
                    id: String::new(),
                    event: String::new(),
                    data: Value::Null,
                };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        ev.id = v.to_string();
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        ev.event = v.to_string();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        ev.data = serde_json::from_str(v).unwrap_or(Value::Null);
                    }
                }
                if !ev.event.is_empty() {
                    return Some(ev);
                }
                continue;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }
}

impl SseClient {
    /// Whether the server closed the stream within `secs` seconds (anything still sent is dropped).
    pub async fn closed_within(&mut self, secs: u64) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }
}

impl TestApp {
    /// Opens the staff notification stream, optionally resuming after `last_event_id`.
    pub async fn sse(&self, token: &str, last_event_id: Option<&str>) -> SseClient {
        let mut req = self
            .client
            .get(self.url("/api/v1/staff/notifications/stream"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let response = req.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        SseClient {
            response,
            buffer: String::new(),
        }
    }

    /// Inbox rows of a staff member, oldest first.
    pub async fn inbox_of(&self, staff_id: Uuid) -> Vec<entity::staff_notifications::Model> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        entity::staff_notifications::Entity::find()
            .filter(entity::staff_notifications::Column::StaffId.eq(staff_id))
            .order_by_asc(entity::staff_notifications::Column::Id)
            .all(&self.state.db)
            .await
            .unwrap()
    }
}

pub async fn into_test_response(res: reqwest::Response) -> TestResponse {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    TestResponse {
        status,
        headers,
        text,
        body,
    }
}
