//! Grid care's routes and their OpenAPI paths.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::care::{
    handlers_admin, handlers_edit, handlers_figures, handlers_people, handlers_visits,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers_admin::groups)
        .service(handlers_admin::update_group)
        .service(handlers_people::list)
        .service(handlers_people::create)
        .service(handlers_people::get)
        .service(handlers_edit::update)
        .service(handlers_people::pii)
        .service(handlers_edit::change_groups)
        .service(handlers_edit::assign_worker)
        .service(handlers_edit::change_status)
        .service(handlers_visits::list)
        .service(handlers_visits::record)
        .service(handlers_visits::tasks)
        .service(handlers_visits::finish_task)
        .service(handlers_figures::stats)
        .service(handlers_figures::export);
}
