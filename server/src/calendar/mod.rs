//! The working-day calendar (weekends, public holidays, 调休 make-up days) that every time
//! limit is counted in; data per year, editable.

pub mod domain;
pub mod dto;
pub mod handlers;
pub mod seed;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use domain::WorkCalendar;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/calendar/{year}")
            .route(web::get().to(handlers::get))
            .route(web::put().to(handlers::replace)),
    );
}

#[derive(OpenApi)]
#[openapi(paths(handlers::get, handlers::replace))]
pub struct ApiDoc;
