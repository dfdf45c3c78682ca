//! The caller's unread count (the badge on the inbox) and marking everything read.

use actix_web::{HttpResponse, get, post, web};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::staff_notifications;

use crate::{auth::Staff, db, error::AppResult, state::AppState};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnreadCount {
    pub unread: u64,
}

async fn count(state: &AppState, me: &Staff) -> AppResult<u64> {
    Ok(staff_notifications::Entity::find()
        .filter(staff_notifications::Column::StaffId.eq(me.id))
        .filter(staff_notifications::Column::ReadAt.is_null())
        .count(&state.db)
        .await?)
}

/// How many of the caller's notifications are unread.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = UnreadCount))
)]
#[get("/api/v1/staff/notifications/unread-count")]
pub async fn get(state: web::Data<AppState>, me: Staff) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(UnreadCount {
        unread: count(&state, &me).await?,
    }))
}

/// Marks every notification of the caller read.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = UnreadCount))
)]
#[post("/api/v1/staff/notifications/read-all")]
pub async fn read_all(state: web::Data<AppState>, me: Staff) -> AppResult<HttpResponse> {
    staff_notifications::Entity::update_many()
        .col_expr(staff_notifications::Column::ReadAt, Expr::value(db::now()))
        .filter(staff_notifications::Column::StaffId.eq(me.id))
        .filter(staff_notifications::Column::ReadAt.is_null())
        .exec(&state.db)
        .await?;
    Ok(HttpResponse::Ok().json(UnreadCount {
        unread: count(&state, &me).await?,
    }))
}
