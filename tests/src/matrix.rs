//! The set-ups a test runs in. `both_backends!` covers SQLite (embedded: no Redis) and
//! PostgreSQL with Redis; `every_setup!` adds PostgreSQL without Redis, a supported deployment
//! whose in-process queue and caches on a real database the notification tests must cover.

use crate::{Backend, TestApp, TestAppBuilder};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setup {
    pub backend: Backend,
    pub redis: bool,
}

impl Setup {
    pub const SQLITE: Setup = Setup {
        backend: Backend::Sqlite,
        redis: false,
    };
    pub const POSTGRES_WITH_REDIS: Setup = Setup {
        backend: Backend::Postgres,
        redis: true,
    };
    pub const POSTGRES_WITHOUT_REDIS: Setup = Setup {
        backend: Backend::Postgres,
        redis: false,
    };

    pub fn builder(self) -> TestAppBuilder {
        TestApp::builder(self.backend).redis(self.redis)
    }
}

/// Runs a test body in every set-up: SQLite (embedded), PostgreSQL with Redis, PostgreSQL
/// without Redis. The set-up becomes the last path segment of the test's name.
#[macro_export]
macro_rules! every_setup {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $crate::every_setup_with! { $crate::matrix::spawn; $(async fn $name($app) $body)* }
    };
}

/// Like `every_setup!`, but the app comes from `make(setup)` (custom settings).
#[macro_export]
macro_rules! every_setup_with {
    ($make:path; $(async fn $name:ident($app:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let $app = $make($crate::matrix::Setup::SQLITE).await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let $app = $make($crate::matrix::Setup::POSTGRES_WITH_REDIS).await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres_without_redis() {
                let $app = $make($crate::matrix::Setup::POSTGRES_WITHOUT_REDIS).await;
                $body
            }
        }
    )*};
}

/// The default app of a set-up.
pub async fn spawn(setup: Setup) -> TestApp {
    setup.builder().spawn().await
}
