//! Authentication: staff login, access tokens, refresh-token families, login throttling and the
//! principal extractors.

pub mod cookie;
pub mod dto;
pub mod extractor;
pub mod handlers;
pub mod jwt;
pub mod password;
pub mod store;
pub mod throttle;

use actix_web::web;
use utoipa::OpenApi;
use uuid::Uuid;

pub use extractor::{Resident, Staff};

use crate::{error::AppResult, state::AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/auth/staff/login").route(web::post().to(handlers::staff_login)),
    )
    .service(
        web::resource("/api/v1/auth/wechat/login").route(web::post().to(handlers::wechat_login)),
    )
    .service(web::resource("/api/v1/auth/refresh").route(web::post().to(handlers::refresh)))
    .service(web::resource("/api/v1/auth/logout").route(web::post().to(handlers::logout)));
}

#[derive(OpenApi)]
#[openapi(paths(
    handlers::staff_login,
    handlers::wechat_login,
    handlers::refresh,
    handlers::logout
))]
pub struct ApiDoc;

/// Whether a resident may still refresh a session: the account must still exist.
pub async fn resident_active(state: &AppState, resident_id: Uuid) -> AppResult<bool> {
    Ok(crate::residents::store::find_by_id(&state.db, resident_id)
        .await?
        .is_some())
}
