//! The routes of this domain's API. Each handler carries its method and path (its actix
//! route attribute) and its OpenAPI description, so a path is written once.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::jurisdictions::{handlers, search};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(search::search)
        .service(handlers::get)
        .service(handlers::children)
        .service(handlers::create)
        .service(handlers::rename)
        .service(handlers::street_settings)
        .service(handlers::update_street_settings);
}
