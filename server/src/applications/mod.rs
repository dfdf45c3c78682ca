//! Applications and the case workflow: intake (online, drafts, idempotent), the state machine,
//! working-day time limits with escalation, and scoped queries for residents and staff.

pub mod allowed;
pub mod assignees;
pub mod content_check;
pub mod domain;
pub mod dto;
pub mod events;
pub mod idempotency;
pub mod overview;
pub mod pii;
pub mod resident_handlers;
pub mod service;
pub mod sla;
pub mod staff_handlers;
pub mod store;
pub mod transitions;
pub mod views;
pub mod workflow;

use actix_web::web;
use utoipa::OpenApi;

use crate::error::AppError;

/// The answer for a case that does not exist or is not the caller's to see.
pub fn not_found() -> AppError {
    AppError::not_found("application_not_found", "没有找到这件申请")
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use resident_handlers as r;
    use staff_handlers as s;
    cfg.service(web::resource("/api/v1/applications").route(web::post().to(r::create)))
        .service(web::resource("/api/v1/me/applications").route(web::get().to(r::list_mine)))
        .service(
            web::resource("/api/v1/applications/{id}")
                .route(web::get().to(r::get))
                .route(web::put().to(r::update_draft)),
        )
        .service(web::resource("/api/v1/applications/{id}/submit").route(web::post().to(r::submit)))
        .service(
            web::resource("/api/v1/applications/{id}/withdraw").route(web::post().to(r::withdraw)),
        )
        .service(
            web::resource("/api/v1/applications/{id}/supplement")
                .route(web::post().to(r::supplement)),
        )
        .service(
            web::resource("/api/v1/applications/{id}/timeline").route(web::get().to(r::timeline)),
        )
        .service(web::resource("/api/v1/staff/applications").route(web::get().to(s::list)))
        .service(
            web::resource("/api/v1/staff/applications/overview")
                .route(web::get().to(overview::get)),
        )
        .service(
            web::resource("/api/v1/staff/applications/{id}/assignees")
                .route(web::get().to(assignees::list)),
        )
        .service(web::resource("/api/v1/staff/applications/{id}").route(web::get().to(s::get)))
        .service(
            web::resource("/api/v1/staff/applications/{id}/transitions")
                .route(web::post().to(s::transition)),
        )
        .service(web::resource("/api/v1/staff/applications/{id}/pii").route(web::get().to(s::pii)));
}

#[derive(OpenApi)]
#[openapi(paths(
    resident_handlers::create,
    resident_handlers::list_mine,
    resident_handlers::get,
    resident_handlers::update_draft,
    resident_handlers::submit,
    resident_handlers::withdraw,
    resident_handlers::supplement,
    resident_handlers::timeline,
    staff_handlers::list,
    staff_handlers::get,
    staff_handlers::transition,
    staff_handlers::pii,
    overview::get,
    assignees::list,
))]
pub struct ApiDoc;
