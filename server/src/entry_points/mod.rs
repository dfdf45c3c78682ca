//! QR entry points (扫码直通车): codes bound to a community, the scans they receive, the landing
//! page for phone browsers and the per-day funnel.

pub mod domain;
pub mod dto;
pub mod handlers;
pub mod images;
pub mod link;
pub mod public;
pub mod render;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use store::find_enabled_by_scene;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/entry-points")
            .route(web::post().to(handlers::create))
            .route(web::get().to(handlers::list)),
    )
    .service(
        web::resource("/api/v1/admin/entry-points/{id}")
            .route(web::get().to(handlers::get))
            .route(web::patch().to(handlers::update)),
    )
    .service(
        web::resource("/api/v1/admin/entry-points/{id}/qrcode")
            .route(web::get().to(images::qrcode)),
    )
    .service(
        web::resource("/api/v1/admin/entry-points/{id}/poster")
            .route(web::get().to(images::poster)),
    )
    .service(
        web::resource("/api/v1/admin/entry-points/{id}/stats")
            .route(web::get().to(handlers::stats)),
    )
    .service(web::resource("/api/v1/scans").route(web::post().to(public::scan)))
    .service(web::resource("/s/{scene}").route(web::get().to(public::landing)));
}

#[derive(OpenApi)]
#[openapi(paths(
    handlers::create,
    handlers::list,
    handlers::get,
    handlers::update,
    handlers::stats,
    images::qrcode,
    images::poster,
    public::scan,
    public::landing
))]
pub struct ApiDoc;
