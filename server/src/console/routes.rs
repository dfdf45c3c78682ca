//! Routes of the console: `/` and `/console` redirect to `/console/`, which serves the
//! single page; everything else under `/console/` is an asset.

use actix_web::web;

use crate::console::handlers;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(handlers::to_console)))
        .service(web::resource("/console").route(web::get().to(handlers::to_console)))
        .service(web::resource("/console/").route(web::get().to(handlers::index)))
        .service(web::resource("/console/{tail:.*}").route(web::get().to(handlers::asset)));
}
