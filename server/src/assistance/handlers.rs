//! The public catalogue and its administration by city-level admins.

use crate::{
    assistance::{
        dto::{AssistanceTypeList, AssistanceTypeResponse, UpdateAssistanceTypeRequest},
        store,
    },
    audit::{self, Actor, Entry},
    auth::Staff,
    db,
    error::{AppError, AppResult, ErrorBody, FieldErrors, codes},
    jurisdictions::Level,
    staff::Role,
    state::AppState,
};
use actix_web::{HttpResponse, get, patch, web};

/// The assistance types a resident can apply for, with required fields and time limits.
#[utoipa::path(
    tag = "assistance",
    responses((status = 200, body = AssistanceTypeList))
)]
#[get("/api/v1/assistance-types")]
pub async fn list(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let items = store::list(&state.db, false)
        .await?
        .iter()
        .map(AssistanceTypeResponse::from)
        .collect();
    Ok(HttpResponse::Ok().json(AssistanceTypeList { items }))
}

/// The whole catalogue including disabled types (admins).
#[utoipa::path(
    tag = "assistance",
    security(("bearer" = [])),
    responses((status = 200, body = AssistanceTypeList), (status = 403, body = ErrorBody))
)]
#[get("/api/v1/admin/assistance-types")]
pub async fn admin_list(state: web::Data<AppState>, me: Staff) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    let items = store::list(&state.db, true)
        .await?
        .iter()
        .map(AssistanceTypeResponse::from)
        .collect();
    Ok(HttpResponse::Ok().json(AssistanceTypeList { items }))
}

/// Edits a type. The catalogue is city-wide, so only an admin at city level may change it.
#[utoipa::path(
    tag = "assistance",
    security(("bearer" = [])),
    params(("code" = String, Path)),
    request_body = UpdateAssistanceTypeRequest,
    responses(
        (status = 200, body = AssistanceTypeResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[patch("/api/v1/admin/assistance-types/{code}")]
pub async fn update(
    state: web::Data<AppState>,
    me: Staff,
    code: web::Path<String>,
    body: web::Json<UpdateAssistanceTypeRequest>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    if me.scope.level != Level::City {
        return Err(codes::CITY_ADMIN_ONLY.with("救助类型目录由市级管理员维护"));
    }
    let current = store::find(&state.db, &code)
        .await?
        .ok_or_else(|| AppError::not_found("assistance_type_not_found", "救助类型不存在"))?;
    let body = body.into_inner();
    let mut fields = FieldErrors::new();
    let name = body.name.map(|n| n.trim().to_string());
    if name
        .as_ref()
        .is_some_and(|n| n.is_empty() || n.chars().count() > 32)
    {
        fields.insert("name".into(), "名称须为 1–32 个字".into());
    }
    if body
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 500)
    {
        fields.insert("description".into(), "说明不能超过 500 字".into());
    }
    if let Some(limits) = &body.time_limits {
        limits.check(&mut fields);
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let changes = store::Changes {
        name,
        description: body.description.map(|d| d.trim().to_string()),
        required_fields: body.required_fields,
        time_limits: body.time_limits,
        emergency_allowed: body.emergency_allowed,
        enabled: body.enabled,
    };
    let txn = db::begin(&state.db).await?;
    let saved = store::update(&txn, current, changes).await?;
    audit::record(
        &txn,
        Entry::new(Actor::Staff(me.id), "assistance_type.update")
            .target("assistance_type", &saved.code),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(AssistanceTypeResponse::from(&saved)))
}
