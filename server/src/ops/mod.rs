//! Operations endpoints: liveness, readiness and Prometheus metrics.

pub mod handlers;

use actix_web::web;
use utoipa::OpenApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(handlers::healthz)))
        .service(web::resource("/readyz").route(web::get().to(handlers::readyz)))
        .service(web::resource("/metrics").route(web::get().to(handlers::metrics)));
}

#[derive(OpenApi)]
#[openapi(paths(handlers::healthz, handlers::readyz, handlers::metrics))]
pub struct ApiDoc;
