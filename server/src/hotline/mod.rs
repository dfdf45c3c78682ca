//! The hotline: operators' call entries (applying on a caller's behalf), the telephony
//! platform's signed callbacks joined into the same calls, and caller history.

pub mod callbacks;
pub mod calls;
pub mod domain;
pub mod dto;
pub mod handlers;
pub mod signature;
pub mod store;
pub mod tasks;
pub mod views;

use actix_web::web;
use utoipa::OpenApi;

/// Largest callback body the platform may send.
pub const CALLBACK_BODY_LIMIT: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use handlers as h;
    cfg.service(web::resource("/api/v1/hotline/calls").route(web::post().to(h::create_call)))
        .service(web::resource("/api/v1/hotline/calls/{id}").route(web::get().to(h::get_call)))
        .service(
            web::resource("/api/v1/hotline/callers/{phone}")
                .route(web::get().to(h::caller_history)),
        )
        .service(
            web::resource("/api/v1/hotline/callbacks")
                .app_data(web::PayloadConfig::new(CALLBACK_BODY_LIMIT))
                .route(web::post().to(h::callback)),
        );
}

#[derive(OpenApi)]
#[openapi(paths(
    handlers::create_call,
    handlers::get_call,
    handlers::caller_history,
    handlers::callback,
))]
pub struct ApiDoc;
