//! The assistance catalogue (低保, 特困供养, 临时救助 …): required fields and time limits per type.

pub mod domain;
pub mod dto;
pub mod handlers;
pub mod store;

use actix_web::web;
use utoipa::OpenApi;

pub use dto::AssistanceTypeSummary;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/assistance-types").route(web::get().to(handlers::list)))
        .service(
            web::resource("/api/v1/admin/assistance-types")
                .route(web::get().to(handlers::admin_list)),
        )
        .service(
            web::resource("/api/v1/admin/assistance-types/{code}")
                .route(web::patch().to(handlers::update)),
        );
}

#[derive(OpenApi)]
#[openapi(paths(handlers::list, handlers::admin_list, handlers::update))]
pub struct ApiDoc;

/// The enabled types in catalogue order, in the short form shown after a scan.
pub async fn public_summaries(
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Vec<AssistanceTypeSummary>, sea_orm::DbErr> {
    Ok(store::list(db, false)
        .await?
        .iter()
        .map(AssistanceTypeSummary::from)
        .collect())
}
