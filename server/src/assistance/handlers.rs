//! The public catalogue and its administration by city-level admins.

use actix_web::{HttpResponse, web};
use sea_orm::ActiveValue::Set;

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

/// The assistance types a resident can apply for, with required fields and time limits.
#[utoipa::path(
    get,
    path = "/api/v1/assistance-types",
    tag = "assistance",
    responses((status = 200, body = AssistanceTypeList))
)]
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
    get,
    path = "/api/v1/admin/assistance-types",
    tag = "assistance",
    security(("bearer" = [])),
    responses((status = 200, body = AssistanceTypeList), (status = 403, body = ErrorBody))
)]
pub async fn admin_list(state: web::Data<AppState>, me: Staff) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    let items = store::list(&state.db, true)
        .await?
        .iter()
        .map(AssistanceTypeResponse::from)
        .collect();
    Ok(HttpResponse::Ok().json(AssistanceTypeList { items }))
}

fn check_range(fields: &mut FieldErrors, name: &str, value: i32, min: i32, max: i32) {
    if !(min..=max).contains(&value) {
        fields.insert(
            format!("time_limits.{name}"),
            format!("应在 {min}–{max} 之间"),
        );
    }
}

/// Edits a type. The catalogue is city-wide, so only an admin at city level may change it.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/assistance-types/{code}",
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
    let mut active: entity::assistance_types::ActiveModel = current.into();
    if let Some(name) = body.name {
        let name = name.trim().to_string();
        if name.is_empty() || name.chars().count() > 32 {
            fields.insert("name".into(), "名称须为 1–32 个字".into());
        }
        active.name = Set(name);
    }
    if let Some(d) = body.description {
        if d.chars().count() > 500 {
            fields.insert("description".into(), "说明不能超过 500 字".into());
        }
        active.description = Set(d.trim().to_string());
    }
    if let Some(req) = body.required_fields {
        let names: Vec<&str> = req.iter().map(|f| f.as_str()).collect();
        active.required_fields = Set(serde_json::json!(names));
    }
    if let Some(l) = body.time_limits {
        check_range(
            &mut fields,
            "urgent_response_hours",
            l.urgent_response_hours,
            1,
            72,
        );
        check_range(
            &mut fields,
            "response_working_days",
            l.response_working_days,
            1,
            30,
        );
        check_range(
            &mut fields,
            "investigation_working_days",
            l.investigation_working_days,
            1,
            90,
        );
        check_range(
            &mut fields,
            "review_working_days",
            l.review_working_days,
            1,
            60,
        );
        check_range(
            &mut fields,
            "public_notice_days",
            l.public_notice_days,
            0,
            30,
        );
        check_range(
            &mut fields,
            "total_working_days",
            l.total_working_days,
            1,
            120,
        );
        check_range(
            &mut fields,
            "emergency_backfill_working_days",
            l.emergency_backfill_working_days,
            1,
            30,
        );
        active.urgent_response_hours = Set(l.urgent_response_hours);
        active.response_working_days = Set(l.response_working_days);
        active.investigation_working_days = Set(l.investigation_working_days);
        active.review_working_days = Set(l.review_working_days);
        active.public_notice_days = Set(l.public_notice_days);
        active.total_working_days = Set(l.total_working_days);
        active.emergency_backfill_working_days = Set(l.emergency_backfill_working_days);
    }
    if let Some(e) = body.emergency_allowed {
        active.emergency_allowed = Set(e);
    }
    if let Some(e) = body.enabled {
        active.enabled = Set(e);
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    active.updated_at = Set(db::now());
    let txn = db::begin(&state.db).await?;
    let saved = store::save(&txn, active).await?;
    audit::record(
        &txn,
        Entry::new(Actor::Staff(me.id), "assistance_type.update")
            .target("assistance_type", &saved.code),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(AssistanceTypeResponse::from(&saved)))
}
