//! The routes of this domain's API. Each handler carries its method and path (its actix
//! route attribute) and its OpenAPI description, so a path is written once.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::assistance::handlers;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::admin_list)
        .service(handlers::update);
}
