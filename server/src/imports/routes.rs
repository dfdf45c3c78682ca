//! The import API's routes and their OpenAPI paths.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::imports::handlers;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::create)
        .service(handlers::template)
        .service(handlers::report);
}
