//! The case API's routes and their OpenAPI paths.

use actix_web::web;
use utoipa::OpenApi;

use crate::applications::{assignees, overview, resident_handlers, staff_handlers};

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
