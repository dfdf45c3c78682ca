//! The routes of this domain's API. Each handler carries its method and path (its actix
//! route attribute) and its OpenAPI description, so a path is written once.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::staff::{handlers, password_reset};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::create)
        .service(handlers::list)
        .service(handlers::update)
        .service(password_reset::reset)
        .service(handlers::me);
}
