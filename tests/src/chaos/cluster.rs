//! A deployment in miniature: instances of the service on one database and one private Redis,
//! sharing their keys and secrets like real replicas, calling one fake WeChat.

use std::{collections::BTreeMap, path::Path, time::Duration};

use sea_orm::{Database, DatabaseConnection};
use uuid::Uuid;
use zhitongche::{
    auth::jwt::{Audience, JwtKeys},
    config::{self, RawSettings, Settings},
};

use crate::chaos::{
    processes::{FreshDatabase, Instance, PrivateRedis, free_port, scratch_dir},
    wechat::FakeWechat,
};

/// The Redis key prefix of every instance.
pub const PREFIX: &str = "chaos";
/// The community every case of a run belongs to (from the demo jurisdictions).
pub const COMMUNITY: &str = "120101001001";

pub struct Cluster {
    pub instances: Vec<Instance>,
    pub wechat: FakeWechat,
    pub redis: PrivateRedis,
    /// The test's own connection to the instances' database.
    pub db: DatabaseConnection,
    jwt: JwtKeys,
    dir: std::path::PathBuf,
    _database: FreshDatabase,
}

impl Cluster {
    /// Starts `names.len()` instances of `bin` with `settings` (environment names) on top of
    /// the shared ones, and loads the demo jurisdictions.
    pub async fn start(
        bin: &str,
        names: &[&str],
        settings: &[(String, String)],
        wechat_delay: Duration,
    ) -> Cluster {
        let database = FreshDatabase::create().await;
        let redis = PrivateRedis::start().await;
        let wechat = FakeWechat::start(wechat_delay).await;
        let dir = scratch_dir("chaos");
        let mut shared: BTreeMap<String, String> = [
            ("DATABASE_URL", database.url()),
            ("REDIS_URL", redis.url()),
            ("ZTC_REDIS_PREFIX", PREFIX.into()),
            ("ZTC_JWT_KEYS", config::generate_jwt_keys()),
            ("ZTC_DATA_KEY", config::generate_data_key()),
            ("ZTC_INDEX_KEY", config::generate_data_key()),
            ("HOTLINE_SIGNING_SECRET", config::generate_hotline_secret()),
            ("WECHAT_APP_ID", "wxchaosappid".into()),
            ("WECHAT_APP_SECRET", "wechat-chaos-secret".into()),
            ("WECHAT_CONTENT_CHECK", "off".into()),
            ("ZTC_WORKERS", "2".into()),
            ("ZTC_DB_MAX_CONNECTIONS", "10".into()),
            ("ZTC_ACCESS_TOKEN_TTL_SECS", "14400".into()),
            ("ZTC_LOG", "info,sqlx=warn,sea_orm=warn".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        shared.extend(settings.iter().cloned());
        let mut instances = Vec::new();
        for name in names {
            let mut env = shared.clone();
            env.insert("ZTC_BIND".into(), format!("127.0.0.1:{}", free_port()));
            env.insert("WECHAT_API_BASE".into(), wechat.base_for(name));
            let data = dir.join(name);
            std::fs::create_dir_all(&data).expect("instance data directory");
            env.insert("ZTC_DATA_DIR".into(), data.display().to_string());
            instances.push(Instance::new(
                name,
                Path::new(bin),
                env,
                dir.join(format!("{name}.log")),
            ));
        }
        // Together, as replicas start: migrations run once, under the advisory lock.
        futures_util::future::join_all(instances.iter_mut().map(Instance::start)).await;
        let raw: RawSettings = serde_json::from_value(serde_json::Value::Object(
            shared
                .iter()
                .map(|(k, v)| (k.to_lowercase(), serde_json::Value::String(v.clone())))
                .collect(),
        ))
        .expect("settings as RawSettings");
        let settings = Settings::from_raw(raw).expect("valid settings");
        let jwt = JwtKeys::new(&settings.auth).expect("JWT keys");
        let db = Database::connect(database.url())
            .await
            .expect("the run's database");
        zhitongche::jurisdictions::demo::load(&db)
            .await
            .expect("demo jurisdictions");
        Cluster {
            instances,
            wechat,
            redis,
            db,
            jwt,
            dir,
            _database: database,
        }
    }

    /// The stream keys of the run (events, live feed).
    pub fn stream_keys(&self) -> Vec<String> {
        ["notif:events", "notif:feed"]
            .iter()
            .map(|k| format!("{PREFIX}:{k}"))
            .collect()
    }

    /// A resident with `credits` one-time consents for the progress template and a session.
    pub async fn resident(&self, openid: &str, credits: i32) -> (Uuid, String) {
        let resident = zhitongche::residents::store::upsert_login(&self.db, openid, None)
            .await
            .expect("resident");
        zhitongche::notify::store::change_credits(
            &self.db,
            resident.id,
            "dev-progress",
            credits,
            false,
            credits,
        )
        .await
        .expect("credits");
        let (token, _) = self
            .jwt
            .issue(Audience::Resident, resident.id)
            .expect("resident token");
        (resident.id, token)
    }

    /// A staff account at `jurisdiction` with a session.
    pub async fn staff(&self, role: &str, jurisdiction: &str) -> (Uuid, String) {
        use zhitongche::{auth::password, jurisdictions, staff};
        let node = jurisdictions::store::find_by_code(&self.db, jurisdiction)
            .await
            .expect("jurisdiction lookup")
            .expect("a demo jurisdiction");
        let password = format!("Pw-{}-9", Uuid::new_v4().simple());
        let account = staff::store::insert(
            &self.db,
            staff::store::NewStaff {
                username: &format!("{role}-{}", &Uuid::new_v4().simple().to_string()[..10]),
                display_name: None,
                password_hash: password::hash(password).await.expect("hash"),
                role: staff::Role::parse(role).expect("a role"),
                jurisdiction_id: node.id,
            },
        )
        .await
        .expect("staff account");
        let (token, _) = self
            .jwt
            .issue(Audience::Staff, account.id)
            .expect("staff token");
        (account.id, token)
    }

    /// The output of every instance, for a failure message.
    pub fn logs(&self, lines: usize) -> String {
        self.instances
            .iter()
            .map(|i| format!("--- {} ---\n{}", i.name, i.log_tail(lines)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in &mut self.instances {
            i.kill();
        }
        // The instances' logs stay for a look after a failure, or when asked for.
        if std::thread::panicking() || std::env::var_os("CHAOS_KEEP_LOGS").is_some() {
            eprintln!("instance logs kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Cluster {
    /// Opens the staff live stream on instance `n`.
    pub async fn open_stream(&self, n: usize, token: &str) -> crate::SseClient {
        let response = reqwest::Client::new()
            .get(self.instances[n].url("/api/v1/staff/notifications/stream"))
            .bearer_auth(token)
            .send()
            .await
            .expect("the stream opens");
        assert_eq!(response.status(), 200);
        crate::SseClient {
            response,
            buffer: String::new(),
        }
    }
}
