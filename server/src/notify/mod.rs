//! Notifications: the transactional outbox, the relay to Redis Streams (or in-process
//! dispatch), one consumer group per channel (WeChat subscribe messages, the staff inbox with
//! live SSE), exactly one effect per delivery, retries, dead letters and a reconciler.

pub mod consumer;
pub mod dto;
pub mod hub;
pub mod inbox;
pub mod metrics;
pub mod notifier;
pub mod recipients;
pub mod reconciler;
pub mod relay;
pub mod resident_handlers;
pub mod staff_channel;
pub mod staff_handlers;
pub mod store;
pub mod templates;
pub mod transport;
pub mod unread;
pub mod wechat_channel;
pub mod wechat_push;
pub mod worker;

use actix_web::web;
use utoipa::OpenApi;

pub use notifier::Notifier;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use resident_handlers as r;
    use staff_handlers as s;
    cfg.service(web::resource("/api/v1/staff/notifications").route(web::get().to(s::list)))
        .service(
            web::resource("/api/v1/staff/notifications/unread-count")
                .route(web::get().to(unread::get)),
        )
        .service(
            web::resource("/api/v1/staff/notifications/read-all")
                .route(web::post().to(unread::read_all)),
        )
        .service(
            web::resource("/api/v1/staff/notifications/stream").route(web::get().to(s::stream)),
        )
        .service(
            web::resource("/api/v1/staff/notifications/{id}/read")
                .route(web::post().to(s::mark_read)),
        )
        .service(
            web::resource("/api/v1/staff/applications/{id}/deliveries")
                .route(web::get().to(s::for_application)),
        )
        .service(web::resource("/api/v1/admin/notifications/dead").route(web::get().to(s::dead)))
        .service(
            web::resource("/api/v1/admin/notifications/{id}/retry").route(web::post().to(s::retry)),
        )
        .service(
            web::resource("/api/v1/me/subscriptions/templates").route(web::get().to(r::templates)),
        )
        .service(web::resource("/api/v1/me/subscriptions").route(web::post().to(r::consent)))
        .service(
            web::resource("/api/v1/wechat/push")
                .route(web::get().to(wechat_push::verify))
                .route(web::post().to(wechat_push::receive)),
        );
}

#[derive(OpenApi)]
#[openapi(paths(
    staff_handlers::list,
    unread::get,
    unread::read_all,
    staff_handlers::stream,
    staff_handlers::mark_read,
    staff_handlers::for_application,
    staff_handlers::dead,
    staff_handlers::retry,
    resident_handlers::templates,
    resident_handlers::consent,
    wechat_push::verify,
    wechat_push::receive,
))]
pub struct ApiDoc;
