//! Builds the application (state, routes, middleware) and runs it until a shutdown signal:
//! stop accepting and end live streams, finish in-flight requests, then stop background work.

use std::{future::Future, net::TcpListener, sync::Arc};

use actix_web::{
    App, HttpResponse, HttpServer,
    dev::Server,
    middleware::{ErrorHandlers, from_fn},
    web,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    auth::{jwt::JwtKeys, throttle::LoginThrottle},
    config::Settings,
    db, error,
    http::KnownPaths,
    kv::Redis,
    metrics::Metrics,
    openapi,
    privacy::FieldCipher,
    state::AppState,
    telemetry::{self, RequestSpan},
    wechat::WechatClient,
};

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 256 * 1024;

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

/// Connects the database (applying migrations), Redis and the key material.
pub async fn build_state(settings: Settings) -> anyhow::Result<AppState> {
    tracing::info!(database = %settings.database.redacted_url(), "connecting to the database");
    let conn = db::connect(&settings.database).await?;
    db::migrate(&conn).await?;
    crate::assistance::store::seed_defaults(&conn).await?;
    crate::calendar::store::seed_defaults(&conn).await?;
    crate::care::store::seed_defaults(&conn).await?;
    let redis = match &settings.redis {
        Some(r) => {
            let redis = Redis::new(r)?;
            if let Err(e) = redis.ping().await {
                tracing::warn!(error = %e, "Redis unreachable at start-up; will keep retrying");
            }
            Some(redis)
        }
        None => {
            tracing::info!("no REDIS_URL: embedded mode (in-process queue and caches)");
            None
        }
    };
    if settings.wechat.dev_mode() {
        tracing::warn!("WECHAT_APP_ID is not set: dev WeChat mode (development only)");
    }
    let jwt = Arc::new(JwtKeys::new(&settings.auth)?);
    let mut metrics = Metrics::new();
    let templates = crate::notify::templates::Templates::load(&settings.wechat)?;
    let notifier = crate::notify::Notifier::new(
        redis.clone(),
        settings.notify.stream_maxlen,
        templates,
        metrics.registry_mut(),
    );
    let wechat = Arc::new(WechatClient::new(&settings.wechat, redis.clone())?);
    let settings_cipher_keys = settings.data_keys.clone();
    Ok(AppState {
        settings: Arc::new(settings),
        db: conn,
        throttle: LoginThrottle::new(crate::ratelimit::Limiter::new(redis.clone())),
        limiter: crate::ratelimit::Limiter::new(redis.clone()),
        wechat,
        redis,
        jwt,
        cipher: Arc::new(FieldCipher::new(&settings_cipher_keys)),
        metrics: Arc::new(metrics),
        notifier: Arc::new(notifier),
        shutdown: CancellationToken::new(),
    })
}

/// Every route of the service: the documented API, then the console and the API's own docs.
pub fn routes(cfg: &mut web::ServiceConfig, doc: utoipa::openapi::OpenApi) {
    crate::routes::api(&mut utoipa_actix_web::service_config::ServiceConfig::new(
        cfg,
    ));
    cfg.configure(crate::console::configure)
        .service(web::resource("/docs").route(web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header(("Location", "/docs/"))
                .finish()
        })))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", doc));
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let state = build_state(settings).await?;
        Application::with_state(state)
    }

    /// Binds `ZTC_BIND` (port 0 picks a free port) and prepares the server.
    pub fn with_state(state: AppState) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&state.settings.bind).map_err(|e| {
            anyhow::anyhow!("ZTC_BIND: cannot listen on {}: {e}", state.settings.bind)
        })?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state.clone());
        let doc = openapi::document();
        let known = KnownPaths::new(doc.paths.paths.keys().map(String::as_str));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(known.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(BODY_LIMIT)
                        .error_handler(error::json_error),
                )
                .app_data(web::PayloadConfig::new(BODY_LIMIT))
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .wrap(ErrorHandlers::new().default_handler(error::jsonify_errors))
                .wrap(from_fn(telemetry::observe))
                .wrap(TracingLogger::<RequestSpan>::new())
                .configure(|cfg| routes(cfg, doc.clone()))
                .default_service(web::to(error::not_found_route))
        })
        .workers(state.settings.workers)
        .disable_signals()
        .shutdown_timeout(state.settings.shutdown_timeout.as_secs())
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then drains requests and stops background work.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let Application { server, state, .. } = self;
        let handle = server.handle();
        let workers = spawn_workers(&state);
        let mut serving = tokio::spawn(server);
        tokio::select! {
            res = &mut serving => {
                res??;
            }
            _ = shutdown => {
                tracing::info!("shutdown requested: ending live streams, finishing in-flight requests");
                // Live streams would otherwise hold the graceful stop for its whole timeout.
                state.notifier.hub.close();
                handle.stop(true).await;
                let _ = serving.await;
            }
        }
        state.notifier.hub.close();
        state.shutdown.cancel();
        for w in workers {
            let _ = w.await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

fn spawn_workers(state: &AppState) -> Vec<JoinHandle<()>> {
    let mut workers = vec![
        tokio::spawn(crate::housekeeping::run_until_stopped(
            state.clone(),
            state.shutdown.clone(),
        )),
        tokio::spawn(crate::applications::sla::run_until_stopped(
            state.clone(),
            state.shutdown.clone(),
        )),
        tokio::spawn(crate::care::scanner::run_until_stopped(
            state.clone(),
            state.shutdown.clone(),
        )),
    ];
    workers.extend(crate::notify::worker::spawn(state));
    workers
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
