//! Staff accounts: roles, admin management inside a subtree, and the caller's own profile.

pub mod domain;
pub mod dto;
pub mod handlers;
pub mod password_reset;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use domain::Role;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/staff")
            .route(web::post().to(handlers::create))
            .route(web::get().to(handlers::list)),
    )
    .service(web::resource("/api/v1/admin/staff/{id}").route(web::patch().to(handlers::update)))
    .service(
        web::resource("/api/v1/admin/staff/{id}/password")
            .route(web::post().to(password_reset::reset)),
    )
    .service(web::resource("/api/v1/staff/me").route(web::get().to(handlers::me)));
}

#[derive(OpenApi)]
#[openapi(paths(
    handlers::create,
    handlers::list,
    handlers::update,
    handlers::me,
    password_reset::reset
))]
pub struct ApiDoc;
