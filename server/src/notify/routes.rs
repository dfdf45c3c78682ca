//! The routes of this domain's API. Each handler carries its method and path (its actix
//! route attribute) and its OpenAPI description, so a path is written once.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::notify::{resident_handlers, staff_handlers, unread, wechat_push};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(staff_handlers::list)
        .service(unread::get)
        .service(unread::read_all)
        .service(staff_handlers::stream)
        .service(staff_handlers::mark_read)
        .service(staff_handlers::for_application)
        .service(staff_handlers::dead)
        .service(staff_handlers::retry)
        .service(resident_handlers::templates)
        .service(resident_handlers::consent)
        .service(wechat_push::verify)
        .service(wechat_push::receive);
}
