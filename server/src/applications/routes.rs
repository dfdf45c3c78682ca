//! The routes of this domain's API. Each handler carries its method and path (its actix
//! route attribute) and its OpenAPI description, so a path is written once.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::applications::{assignees, overview, resident_handlers, staff_handlers};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(resident_handlers::create)
        .service(resident_handlers::list_mine)
        .service(resident_handlers::get)
        .service(resident_handlers::update_draft)
        .service(resident_handlers::submit)
        .service(resident_handlers::withdraw)
        .service(resident_handlers::supplement)
        .service(resident_handlers::timeline)
        .service(staff_handlers::list)
        .service(overview::get)
        .service(assignees::list)
        .service(staff_handlers::get)
        .service(staff_handlers::transition)
        .service(staff_handlers::pii);
}
