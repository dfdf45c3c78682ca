//! `/healthz` says the process is alive; `/readyz` checks the database and (when configured)
//! Redis; `/metrics` renders Prometheus text.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use sea_orm::DbBackend;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    error::{AppError, AppResult, ErrorBody, FieldErrors},
    state::AppState,
};

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    pub status: String,
    /// Each dependency and `ok`.
    pub checks: std::collections::BTreeMap<String, String>,
}

/// Liveness: the process answers.
#[utoipa::path(
    tag = "ops", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database and, when configured, Redis are reachable.
#[utoipa::path(
    tag = "ops",
    responses(
        (status = 200, body = Readiness),
        (status = 503, description = "a dependency is unreachable; `fields` names it", body = ErrorBody),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let mut checks = std::collections::BTreeMap::new();
    let mut failed = FieldErrors::new();
    match tokio::time::timeout(CHECK_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => {
            checks.insert("database".to_string(), "ok".to_string());
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            failed.insert("database".into(), "数据库不可用".into());
        }
        Err(_) => {
            failed.insert("database".into(), "数据库响应超时".into());
        }
    }
    if let Some(redis) = &state.redis {
        match tokio::time::timeout(CHECK_TIMEOUT, redis.ping()).await {
            Ok(Ok(())) => {
                checks.insert("redis".to_string(), "ok".to_string());
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "readiness: redis unreachable");
                failed.insert("redis".into(), "Redis 不可用".into());
            }
            Err(_) => {
                failed.insert("redis".into(), "Redis 响应超时".into());
            }
        }
    }
    if !failed.is_empty() {
        return Err(AppError::NotReady { fields: failed });
    }
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready".into(),
        checks,
    }))
}

/// Prometheus metrics (OpenMetrics text).
#[utoipa::path(
    tag = "ops", responses((status = 200, content_type = "application/openmetrics-text", body = String)))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (size, idle) = match state.db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = state.db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = state.db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    };
    if let Err(e) = crate::notify::metrics::refresh(&state).await {
        tracing::warn!(error = %e, "queue metrics unavailable");
    }
    state.metrics.db_pool_connections.set(i64::from(size));
    state.metrics.db_pool_idle.set(idle as i64);
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render())
}
