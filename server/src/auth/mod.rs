//! Authentication: staff login, access tokens, refresh-token families, login throttling and the
//! principal extractors.

pub mod dto;
pub mod extractor;
pub mod handlers;
pub mod jwt;
pub mod password;
pub mod store;
pub mod throttle;
pub mod worker;

use actix_web::web;
use utoipa::OpenApi;
use uuid::Uuid;

pub use extractor::Staff;

use crate::{error::AppResult, state::AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/auth/staff/login").route(web::post().to(handlers::staff_login)),
    )
    .service(web::resource("/api/v1/auth/refresh").route(web::post().to(handlers::refresh)))
    .service(web::resource("/api/v1/auth/logout").route(web::post().to(handlers::logout)));
}

#[derive(OpenApi)]
#[openapi(paths(handlers::staff_login, handlers::refresh, handlers::logout))]
pub struct ApiDoc;

/// Whether a resident may still refresh a session. Resident accounts arrive with WeChat login;
/// until then no resident token can exist, so none is accepted.
pub async fn resident_active(_state: &AppState, _resident_id: Uuid) -> AppResult<bool> {
    Ok(false)
}
