//! The hotline: operators' call entries (applying on a caller's behalf), the telephony
//! platform's signed callbacks joined into the same calls, caller history, and 回访 follow-ups.

pub mod call_input;
pub mod callbacks;
pub mod calls;
pub mod domain;
pub mod dto;
pub mod follow_up_handlers;
pub mod followups;
pub mod handlers;
pub mod satisfaction;
pub mod signature;
pub mod store;
pub mod tasks;
pub mod views;

use actix_web::web;
use utoipa::OpenApi;

/// Largest callback body the platform may send.
pub const CALLBACK_BODY_LIMIT: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use follow_up_handlers as f;
    use handlers as h;
    cfg.service(web::resource("/api/v1/hotline/calls").route(web::post().to(h::create_call)))
        .service(web::resource("/api/v1/hotline/calls/{id}").route(web::get().to(h::get_call)))
        .service(web::resource("/api/v1/hotline/tasks").route(web::get().to(h::list_tasks)))
        .service(
            web::resource("/api/v1/hotline/tasks/{id}/done").route(web::post().to(h::finish_task)),
        )
        .service(
            web::resource("/api/v1/hotline/callers/{phone}")
                .route(web::get().to(h::caller_history)),
        )
        .service(
            web::resource("/api/v1/hotline/callbacks")
                .app_data(web::PayloadConfig::new(CALLBACK_BODY_LIMIT))
                .route(web::post().to(h::callback)),
        )
        .service(
            web::resource("/api/v1/hotline/follow-ups").route(web::get().to(f::list_follow_ups)),
        )
        .service(
            web::resource("/api/v1/hotline/follow-ups/{id}/result")
                .route(web::post().to(f::record_result)),
        )
        .service(
            web::resource("/api/v1/hotline/follow-ups/{id}/contact")
                .route(web::get().to(f::contact)),
        )
        .service(
            web::resource("/api/v1/hotline/satisfaction").route(web::get().to(f::satisfaction)),
        );
}

#[derive(OpenApi)]
#[openapi(paths(
    handlers::create_call,
    handlers::get_call,
    handlers::list_tasks,
    handlers::finish_task,
    handlers::caller_history,
    handlers::callback,
    follow_up_handlers::list_follow_ups,
    follow_up_handlers::record_result,
    follow_up_handlers::contact,
    follow_up_handlers::satisfaction,
))]
pub struct ApiDoc;
