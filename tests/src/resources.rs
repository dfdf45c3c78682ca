//! A test's own data: a fresh SQLite directory (also the data directory), a fresh PostgreSQL
//! database, a Redis key prefix. Made for one test and removed after it.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database};

use crate::backends::{Backend, pg_admin_url, redis_url};

/// Where a test's data lives, removed by `remove`.
#[derive(Clone)]
pub(crate) struct Resources {
    pub(crate) sqlite_dir: PathBuf,
    pg_database: Option<String>,
    pub(crate) redis_prefix: Option<String>,
}

impl Resources {
    /// Makes the directory, and the database on PostgreSQL; `id` names them. Returns the
    /// resources and the database URL.
    pub(crate) async fn create(backend: Backend, id: &str, redis: bool) -> (Self, String) {
        let sqlite_dir = std::env::temp_dir().join(format!("ztc-test-{id}"));
        std::fs::create_dir_all(&sqlite_dir).unwrap();
        let mut resources = Resources {
            sqlite_dir: sqlite_dir.clone(),
            pg_database: None,
            redis_prefix: redis.then(|| format!("ztc-test-{id}")),
        };
        let database_url = match backend {
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
        (resources, database_url)
    }

    /// Drops the database, deletes the directory and the prefix's keys; best effort.
    pub(crate) async fn remove(self) {
        if let Some(name) = self.pg_database
            && let Ok(admin) = Database::connect(format!("{}/postgres", pg_admin_url())).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
            let _ = admin.close().await;
        }
        let _ = std::fs::remove_dir_all(self.sqlite_dir);
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
