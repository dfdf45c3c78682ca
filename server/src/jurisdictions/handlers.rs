//! Jurisdiction tree: public reads, admin-only creation and renaming inside the admin's subtree.

use actix_web::{HttpResponse, get, patch, post, put, web};

use crate::jurisdictions::dto::{StreetSettingsResponse, UpdateStreetSettingsRequest};

use crate::{
    audit::{self, Actor, Entry},
    auth::Staff,
    db,
    error::{AppError, AppResult, ErrorBody, FieldErrors, codes},
    jurisdictions::{
        domain::{Code, parse_name},
        dto::{
            ChildrenResponse, CreateJurisdictionRequest, JurisdictionNode, JurisdictionResponse,
            RenameJurisdictionRequest,
        },
        store,
    },
    staff::Role,
    state::AppState,
};

fn not_found() -> AppError {
    AppError::not_found("jurisdiction_not_found", "区划不存在")
}

/// One node with its path to the root.
#[utoipa::path(
    tag = "jurisdictions",
    params(("code" = String, Path)),
    responses((status = 200, body = JurisdictionResponse), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/jurisdictions/{code}")]
pub async fn get(state: web::Data<AppState>, code: web::Path<String>) -> AppResult<HttpResponse> {
    let node = store::find_by_code(&state.db, &code)
        .await?
        .ok_or_else(not_found)?;
    let path = store::path_nodes(&state.db, &node.path).await?;
    Ok(HttpResponse::Ok().json(JurisdictionResponse::new(&node, &path)))
}

/// The direct children of a node, by code.
#[utoipa::path(
    tag = "jurisdictions",
    params(("code" = String, Path)),
    responses((status = 200, body = ChildrenResponse), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/jurisdictions/{code}/children")]
pub async fn children(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> AppResult<HttpResponse> {
    let node = store::find_by_code(&state.db, &code)
        .await?
        .ok_or_else(not_found)?;
    let items = store::children(&state.db, node.id)
        .await?
        .iter()
        .map(JurisdictionNode::from)
        .collect();
    Ok(HttpResponse::Ok().json(ChildrenResponse { items }))
}

/// Adds a node under a parent inside the admin's subtree; the level must be the one below the
/// parent's. Roots (cities) are created with the CLI.
#[utoipa::path(
    tag = "jurisdictions",
    security(("bearer" = [])),
    request_body = CreateJurisdictionRequest,
    responses(
        (status = 201, body = JurisdictionResponse),
        (status = 403, body = ErrorBody),
        (status = 409, description = "code taken", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/api/v1/admin/jurisdictions")]
pub async fn create(
    state: web::Data<AppState>,
    me: Staff,
    body: web::Json<CreateJurisdictionRequest>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    let body = body.into_inner();
    let mut fields = FieldErrors::new();
    let code = Code::parse(&body.code)
        .map_err(|e| fields.insert("code".into(), e))
        .ok();
    let name = parse_name(&body.name)
        .map_err(|e| fields.insert("name".into(), e))
        .ok();
    let parent = match body
        .parent_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(pc) => {
            let p = store::find_by_code(&state.db, pc).await?;
            if p.is_none() {
                fields.insert("parent_code".into(), "上级区划不存在".into());
            }
            p
        }
        None => {
            fields.insert(
                "parent_code".into(),
                "请填写上级区划代码(市级区划请用命令行创建)".into(),
            );
            None
        }
    };
    if let Some(p) = &parent {
        let parent_level = crate::jurisdictions::Level::parse(&p.level);
        match parent_level.and_then(|l| l.child()) {
            Some(expected) if expected == body.level => {}
            Some(expected) => {
                fields.insert(
                    "level".into(),
                    format!(
                        "{}的下级应为{}({})",
                        p.name,
                        expected.label(),
                        expected.as_str()
                    ),
                );
            }
            None => {
                fields.insert("parent_code".into(), "网格下不能再设下级区划".into());
            }
        }
    }
    let (Some(code), Some(name), Some(parent)) = (code, name, parent) else {
        return Err(AppError::validation(fields));
    };
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    if !me.scope.contains(&parent.path) {
        return Err(codes::OUTSIDE_JURISDICTION.with("只能在本辖区内新增区划"));
    }
    let txn = db::begin(&state.db).await?;
    let node = store::insert(&txn, &code, &name, body.level, Some(&parent)).await?;
    audit::record(
        &txn,
        Entry::new(Actor::Staff(me.id), "jurisdiction.create").target("jurisdiction", &node.code),
    )
    .await?;
    txn.commit().await?;
    let path = store::path_nodes(&state.db, &node.path).await?;
    Ok(HttpResponse::Created().json(JurisdictionResponse::new(&node, &path)))
}

/// Renames a node strictly below the admin's own node (the root's admins may rename the root).
#[utoipa::path(
    tag = "jurisdictions",
    security(("bearer" = [])),
    params(("code" = String, Path)),
    request_body = RenameJurisdictionRequest,
    responses(
        (status = 200, body = JurisdictionResponse),
        (status = 403, description = "not an admin, outside the subtree, or the admin's own (non-root) node (`not_below_own_jurisdiction`)", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[patch("/api/v1/admin/jurisdictions/{code}")]
pub async fn rename(
    state: web::Data<AppState>,
    me: Staff,
    code: web::Path<String>,
    body: web::Json<RenameJurisdictionRequest>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    let name = parse_name(&body.name).map_err(|e| AppError::field("name", e))?;
    let node = store::find_by_code(&state.db, &code)
        .await?
        .ok_or_else(not_found)?;
    if !me.scope.contains(&node.path) {
        return Err(codes::OUTSIDE_JURISDICTION.with("只能修改本辖区内的区划"));
    }
    // The own node belongs to the level above; only the root, with nobody above it, is renamed
    // by its own admins.
    if node.path == me.scope.path && node.parent_id.is_some() {
        return Err(codes::NOT_BELOW_OWN_JURISDICTION
            .with("只能修改本辖区下级区划的名称,本级区划由上级管理员修改"));
    }
    let txn = db::begin(&state.db).await?;
    let node = store::rename(&txn, node, &name).await?;
    audit::record(
        &txn,
        Entry::new(Actor::Staff(me.id), "jurisdiction.rename")
            .target("jurisdiction", &node.code)
            .detail(serde_json::json!({ "name": name })),
    )
    .await?;
    txn.commit().await?;
    let path = store::path_nodes(&state.db, &node.path).await?;
    Ok(HttpResponse::Ok().json(JurisdictionResponse::new(&node, &path)))
}

async fn street_in_scope(
    state: &AppState,
    me: &Staff,
    code: &str,
) -> AppResult<entity::jurisdictions::Model> {
    let node = store::find_by_code(&state.db, code)
        .await?
        .ok_or_else(not_found)?;
    if !me.scope.contains(&node.path) {
        return Err(not_found());
    }
    if crate::jurisdictions::Level::parse(&node.level) != Some(crate::jurisdictions::Level::Street)
    {
        return Err(AppError::unprocessable(
            "not_a_street",
            "只有街道(乡镇)有此设置",
        ));
    }
    Ok(node)
}

/// A street's settings (staff whose subtree holds it).
#[utoipa::path(
    tag = "jurisdictions",
    security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = StreetSettingsResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/api/v1/admin/jurisdictions/{code}/settings")]
pub async fn street_settings(
    state: web::Data<AppState>,
    me: Staff,
    code: web::Path<String>,
) -> AppResult<HttpResponse> {
    let node = street_in_scope(&state, &me, &code).await?;
    let own = store::emergency_cap(&state.db, node.id).await?;
    Ok(HttpResponse::Ok().json(StreetSettingsResponse {
        code: node.code,
        emergency_cap_yuan: own.unwrap_or(state.settings.emergency_cap_fen) as f64 / 100.0,
        is_default: own.is_none(),
    }))
}

/// Sets a street's 先行救助 cap (admins and supervisors above it).
#[utoipa::path(
    tag = "jurisdictions",
    security(("bearer" = [])),
    params(("code" = String, Path)),
    request_body = UpdateStreetSettingsRequest,
    responses((status = 200, body = StreetSettingsResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/api/v1/admin/jurisdictions/{code}/settings")]
pub async fn update_street_settings(
    state: web::Data<AppState>,
    me: Staff,
    code: web::Path<String>,
    body: web::Json<UpdateStreetSettingsRequest>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin, Role::Supervisor])?;
    // The cap limits what the street itself may grant, so the street never sets its own.
    if me.scope.level >= super::Level::Street {
        return Err(AppError::forbidden(
            "above_street_only",
            "先行救助额度由区(县)及以上的管理员或督办人员设定",
        ));
    }
    let node = street_in_scope(&state, &me, &code).await?;
    let fen = crate::money::yuan_to_fen(body.emergency_cap_yuan)
        .map_err(|e| AppError::field("emergency_cap_yuan", e))?;
    let txn = db::begin(&state.db).await?;
    store::set_emergency_cap(&txn, node.id, fen).await?;
    audit::record(
        &txn,
        Entry::new(Actor::Staff(me.id), "street.settings")
            .target("jurisdiction", &node.code)
            .detail(serde_json::json!({ "emergency_cap_fen": fen })),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(StreetSettingsResponse {
        code: node.code,
        emergency_cap_yuan: fen as f64 / 100.0,
        is_default: false,
    }))
}
