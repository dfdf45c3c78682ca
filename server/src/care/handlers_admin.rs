//! The key-group catalogue: read by staff, edited by the city.

use actix_web::{HttpResponse, get, patch, web};
use sea_orm::ActiveValue::Set;

use crate::{
    audit::{self, Entry},
    auth::Staff,
    care::{
        access::READ,
        catalogue::Catalogue,
        domain::MAX_TIER,
        dto_admin::{GroupList, GroupView, TierView, UpdateGroupRequest},
        store,
    },
    db,
    error::{AppError, AppResult, ErrorBody, FieldErrors},
    jurisdictions::Level,
    staff::Role,
    state::AppState,
    text::required_text,
};

fn views(c: &Catalogue) -> Vec<GroupView> {
    c.groups
        .iter()
        .map(|g| GroupView {
            code: g.code.clone(),
            name: g.name.clone(),
            description: g.description.clone(),
            roll_type: g.roll_type.clone(),
            checklist: c.checklist(&g.code),
            enabled: g.enabled,
            tiers: c
                .tiers_of(&g.code)
                .map(|t| TierView {
                    tier: t.tier,
                    name: t.name.clone(),
                    interval_days: t.interval_days,
                    home_visit_required: t.home_visit_required,
                })
                .collect(),
        })
        .collect()
}

/// The key groups with their tiers: how often each tier is visited and whether in person.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    responses((status = 200, body = GroupList), (status = 403, body = ErrorBody))
)]
#[get("/api/v1/care/groups")]
pub async fn groups(state: web::Data<AppState>, me: Staff) -> AppResult<HttpResponse> {
    me.require(READ)?;
    let c = store::catalogue(&state.db).await?;
    Ok(HttpResponse::Ok().json(GroupList { items: views(&c) }))
}

/// Changes a group: its name, checklist, whether it is used, and its tiers' intervals. The
/// catalogue is city-wide, so only a city admin edits it; new intervals apply from each
/// person's next visit or tier change.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(("code" = String, Path)),
    request_body = UpdateGroupRequest,
    responses((status = 200, body = GroupView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[patch("/api/v1/admin/care/groups/{code}")]
pub async fn update_group(
    state: web::Data<AppState>,
    me: Staff,
    code: web::Path<String>,
    body: web::Json<UpdateGroupRequest>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    if me.scope.level != Level::City {
        return Err(AppError::forbidden(
            "city_admin_only",
            "重点人群分组由市级管理员维护",
        ));
    }
    let group = store::find_group(&state.db, &code)
        .await?
        .ok_or_else(|| AppError::not_found("care_group_not_found", "没有这个重点人群分组"))?;
    let req = body.into_inner();
    let mut fields = FieldErrors::new();
    let mut active: entity::care_groups::ActiveModel = group.clone().into();
    if let Some(name) = &req.name {
        match required_text(Some(name), 1, 32, "请填写分组名称") {
            Ok(n) => active.name = Set(n),
            Err(e) => {
                fields.insert("name".into(), e);
            }
        }
    }
    if let Some(d) = &req.description {
        match crate::text::clean_text(d, 500, true) {
            Ok(d) => active.description = Set(d),
            Err(e) => {
                fields.insert("description".into(), e);
            }
        }
    }
    if let Some(list) = &req.checklist {
        if list.is_empty() {
            fields.insert("checklist".into(), "走访清单至少要有一项".into());
        }
        let mut list = list.clone();
        list.sort();
        list.dedup();
        active.checklist = Set(serde_json::json!(list));
    }
    if let Some(e) = req.enabled {
        active.enabled = Set(e);
    }
    for (i, t) in req.tiers.iter().flatten().enumerate() {
        if !(1..=MAX_TIER).contains(&t.tier) {
            fields.insert(format!("tiers[{i}].tier"), format!("等级应为 1–{MAX_TIER}"));
        }
        if !(1..=365).contains(&t.interval_days) {
            fields.insert(
                format!("tiers[{i}].interval_days"),
                "走访间隔应为 1–365 天".into(),
            );
        }
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    active.updated_at = Set(db::now());
    let txn = db::begin(&state.db).await?;
    store::save_group(&txn, active).await?;
    for t in req.tiers.iter().flatten() {
        store::save_tier(
            &txn,
            &group.code,
            t.tier,
            t.interval_days,
            t.home_visit_required,
        )
        .await?;
    }
    audit::record(
        &txn,
        Entry::new(audit::Actor::Staff(me.id), "care_group.update")
            .target("care_group", &group.code),
    )
    .await?;
    txn.commit().await?;
    let c = store::catalogue(&state.db).await?;
    let view = views(&c)
        .into_iter()
        .find(|g| g.code == group.code)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("group vanished")))?;
    Ok(HttpResponse::Ok().json(view))
}
