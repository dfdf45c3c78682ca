//! The routes of this domain's API. Each handler carries its method and path (its actix
//! route attribute) and its OpenAPI description, so a path is written once.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::hotline::{follow_up_handlers, handlers};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::create_call)
        .service(handlers::get_call)
        .service(handlers::list_tasks)
        .service(handlers::finish_task)
        .service(handlers::caller_history)
        .service(handlers::callback)
        .service(follow_up_handlers::list_follow_ups)
        .service(follow_up_handlers::record_result)
        .service(follow_up_handlers::contact)
        .service(follow_up_handlers::satisfaction);
}
