//! Residents: mini-program users identified by their WeChat openid, their own profile and the
//! phone number bound through WeChat.

pub mod dto;
pub mod handlers;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/me").route(web::get().to(handlers::me)))
        .service(web::resource("/api/v1/me/phone").route(web::post().to(handlers::bind_phone)));
}

#[derive(OpenApi)]
#[openapi(paths(handlers::me, handlers::bind_phone))]
pub struct ApiDoc;
