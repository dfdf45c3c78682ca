//! The jurisdiction tree (city → district → street → community → grid) and the `Scope` that
//! limits every staff query to a subtree.

pub mod demo;
pub mod domain;
pub mod dto;
pub mod handlers;
pub mod search;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use domain::{Level, Scope};
pub use dto::JurisdictionNode;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/staff/jurisdictions").route(web::get().to(search::search)))
        .service(web::resource("/api/v1/jurisdictions/{code}").route(web::get().to(handlers::get)))
        .service(
            web::resource("/api/v1/jurisdictions/{code}/children")
                .route(web::get().to(handlers::children)),
        )
        .service(
            web::resource("/api/v1/admin/jurisdictions").route(web::post().to(handlers::create)),
        )
        .service(
            web::resource("/api/v1/admin/jurisdictions/{code}")
                .route(web::patch().to(handlers::rename)),
        )
        .service(
            web::resource("/api/v1/admin/jurisdictions/{code}/settings")
                .route(web::get().to(handlers::street_settings))
                .route(web::put().to(handlers::update_street_settings)),
        );
}

#[derive(OpenApi)]
#[openapi(paths(
    handlers::get,
    handlers::children,
    handlers::create,
    handlers::rename,
    handlers::street_settings,
    handlers::update_street_settings,
    search::search
))]
pub struct ApiDoc;
