//! The two backends a test runs on, where their services are, and the macros that run one
//! test body on each.

/// The PostgreSQL server tests make their databases on (`ZTC_TEST_PG_URL`).
pub fn pg_admin_url() -> String {
    std::env::var("ZTC_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// The Redis server tests keep their key prefixes on (`ZTC_TEST_REDIS_URL`).
pub fn redis_url() -> String {
    std::env::var("ZTC_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

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
