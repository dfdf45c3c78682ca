//! Staff administration: admins create, list and change accounts inside their own subtree.

use actix_web::{HttpResponse, get, patch, post, web};
use uuid::Uuid;

use crate::{
    audit::{self, Actor, Entry},
    auth::{Staff, store as tokens},
    db,
    error::{AppError, AppResult, ErrorBody, FieldErrors, codes},
    http::cursor,
    jurisdictions::{self, domain::Code},
    staff::{
        Role,
        accounts::{self, NewAccount},
        domain::{Password, Username, parse_display_name},
        dto::{CreateStaffRequest, ListStaffQuery, StaffPage, StaffResponse, UpdateStaffRequest},
        store,
    },
    state::AppState,
};

fn staff_not_found() -> AppError {
    AppError::not_found("staff_not_found", "工作人员不存在")
}

/// Whether `path` lies inside the admin's subtree but not at its own node. Admin accounts may be
/// created or changed only there: an admin at the same node would be a peer able to disable
/// (or demote) the admin who made it.
fn strictly_below(caller: &Staff, path: &str) -> bool {
    caller.scope.contains(path) && path != caller.scope.path
}

/// The node a request names, or the field message to report: a code that cannot be one
/// (wrong characters, NUL) is never looked up.
async fn node_by_code(
    state: &AppState,
    code: &str,
) -> AppResult<Result<entity::jurisdictions::Model, String>> {
    let code = match Code::parse(code) {
        Ok(code) => code,
        Err(e) => return Ok(Err(e)),
    };
    Ok(jurisdictions::store::find_by_code(&state.db, code.as_str())
        .await?
        .ok_or_else(|| "区划不存在".to_string()))
}

fn node_level(node: &entity::jurisdictions::Model) -> AppResult<jurisdictions::Level> {
    jurisdictions::Level::parse(&node.level).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "jurisdiction {} has unknown level",
            node.id
        ))
    })
}

fn admin_not_below() -> AppError {
    codes::NOT_BELOW_OWN_JURISDICTION
        .with("管理员账号只能设在本辖区的下级区划,不能创建或修改同级管理员")
}

/// Creates a staff account at a node inside the admin's subtree; an `admin` account only
/// strictly below the caller's own node.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    request_body = CreateStaffRequest,
    responses(
        (status = 201, body = StaffResponse),
        (status = 403, description = "not an admin, node outside the admin's subtree, or an admin account not below the caller's own node (`not_below_own_jurisdiction`)", body = ErrorBody),
        (status = 409, description = "username taken", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
    )
)]
#[post("/api/v1/admin/staff")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Staff,
    body: web::Json<CreateStaffRequest>,
) -> AppResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let body = body.into_inner();
    let mut fields = FieldErrors::new();
    let username = Username::parse(&body.username)
        .map_err(|e| fields.insert("username".into(), e))
        .ok();
    let pw = Password::parse(&body.password)
        .map_err(|e| fields.insert("password".into(), e))
        .ok();
    let display_name = match body.display_name.as_deref() {
        Some(n) => parse_display_name(n)
            .map_err(|e| fields.insert("display_name".into(), e))
            .ok(),
        None => None,
    };
    let node = node_by_code(&state, &body.jurisdiction_code)
        .await?
        .map_err(|e| fields.insert("jurisdiction_code".into(), e))
        .ok();
    if let Some(node) = &node
        && let Err(e) = body.role.check_post(node_level(node)?)
    {
        fields.insert("jurisdiction_code".into(), e);
    }
    let (Some(username), Some(pw), Some(node)) = (username, pw, node) else {
        return Err(AppError::validation(fields));
    };
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    if !caller.scope.contains(&node.path) {
        return Err(codes::OUTSIDE_JURISDICTION.with("只能在本辖区内创建工作人员"));
    }
    if body.role == Role::Admin && !strictly_below(&caller, &node.path) {
        return Err(admin_not_below());
    }
    let account = accounts::open(
        &state.db,
        Actor::Staff(caller.id),
        "api",
        NewAccount {
            username,
            display_name,
            password: pw,
            role: body.role,
            node: node.clone(),
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(StaffResponse::from_models(account, &node)))
}

/// Staff in the admin's subtree, by username, paginated with `cursor`.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(ListStaffQuery),
    responses((status = 200, body = StaffPage), (status = 403, body = ErrorBody))
)]
#[get("/api/v1/admin/staff")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Staff,
    query: web::Query<ListStaffQuery>,
) -> AppResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let query = query.into_inner();
    let limit = cursor::limit(query.limit, 50, 200);
    let jurisdiction_path = match query.jurisdiction_code.as_deref() {
        Some(code) => Some(
            node_by_code(&state, code)
                .await?
                .map_err(|e| AppError::field("jurisdiction_code", e))?
                .path,
        ),
        None => None,
    };
    if query
        .q
        .as_deref()
        .is_some_and(|q| q.chars().any(char::is_control))
    {
        return Err(AppError::field("q", "搜索内容不能包含控制字符"));
    }
    // Cursors are usernames we encoded, which hold no control characters.
    let after_username = query
        .cursor
        .as_deref()
        .map(|c| {
            cursor::decode(c).and_then(|u| {
                if u.chars().any(char::is_control) {
                    Err(cursor::invalid())
                } else {
                    Ok(u)
                }
            })
        })
        .transpose()?;
    let rows = store::list(
        &state.db,
        &caller.scope,
        store::ListFilter {
            role: query.role,
            jurisdiction_path,
            disabled: query.disabled,
            query: query
                .q
                .map(|q| q.trim().to_string())
                .filter(|q| !q.is_empty()),
            after_username,
            limit,
        },
    )
    .await?;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|(s, _)| cursor::encode(&s.username)))
        .flatten();
    let items = rows
        .into_iter()
        .map(|(s, j)| StaffResponse::from_models(s, &j))
        .collect();
    Ok(HttpResponse::Ok().json(StaffPage { items, next_cursor }))
}

/// Changes role, node, display name or disabled flag. Disabling ends every session at once.
/// Admin accounts (before or after the change) must sit strictly below the caller's node.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = UpdateStaffRequest,
    responses(
        (status = 200, body = StaffResponse),
        (status = 403, description = "not an admin, node outside the subtree, or an admin account at or above the caller's node (`not_below_own_jurisdiction`)", body = ErrorBody),
        (status = 404, description = "no such staff member in the admin's subtree", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[patch("/api/v1/admin/staff/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Staff,
    id: web::Path<Uuid>,
    body: web::Json<UpdateStaffRequest>,
) -> AppResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let body = body.into_inner();
    let (current, current_node) = store::find_in_scope(&state.db, &caller.scope, id)
        .await?
        .ok_or_else(staff_not_found)?;
    if id == caller.id
        && (body.role.is_some() || body.disabled.is_some() || body.jurisdiction_code.is_some())
    {
        return Err(AppError::unprocessable(
            "cannot_change_own_access",
            "不能修改自己的角色、辖区或停用状态,请联系其他管理员",
        ));
    }
    let is_admin = Role::parse(&current.role) == Some(Role::Admin);
    if id != caller.id && is_admin && !strictly_below(&caller, &current_node.path) {
        return Err(admin_not_below());
    }
    let mut fields = FieldErrors::new();
    let display_name = match body.display_name.as_deref() {
        Some(n) => parse_display_name(n)
            .map_err(|e| fields.insert("display_name".into(), e))
            .ok(),
        None => None,
    };
    let new_node = match body.jurisdiction_code.as_deref() {
        Some(code) => node_by_code(&state, code)
            .await?
            .map_err(|e| fields.insert("jurisdiction_code".into(), e))
            .ok(),
        None => None,
    };
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    if let Some(node) = &new_node
        && !caller.scope.contains(&node.path)
    {
        return Err(codes::OUTSIDE_JURISDICTION.with("只能把工作人员调整到本辖区内"));
    }
    // Where the account ends up: an admin there must still be below the caller.
    let will_be_admin = body.role.map_or(is_admin, |r| r == Role::Admin);
    let final_path = new_node.as_ref().map_or(&current_node.path, |n| &n.path);
    if id != caller.id && will_be_admin && !strictly_below(&caller, final_path) {
        return Err(admin_not_below());
    }
    // A role tied to one level (网格员 at a grid) must end up posted there.
    let final_role = body.role.or(Role::parse(&current.role));
    let final_node = new_node.as_ref().unwrap_or(&current_node);
    if let Some(role) = final_role
        && let Err(e) = role.check_post(node_level(final_node)?)
    {
        return Err(AppError::field("jurisdiction_code", e));
    }
    let disabling = body.disabled == Some(true) && !current.disabled;
    let txn = db::begin(&state.db).await?;
    let updated = store::update(
        &txn,
        current,
        store::Changes {
            role: body.role,
            jurisdiction_id: new_node.as_ref().map(|n| n.id),
            disabled: body.disabled,
            display_name,
        },
    )
    .await?;
    if disabling {
        tokens::revoke_all(&txn, tokens::PrincipalKind::Staff, updated.id).await?;
    }
    audit::record(
        &txn,
        Entry::new(Actor::Staff(caller.id), "staff.update")
            .target("staff", updated.id)
            .detail(serde_json::json!({
                "role": body.role.map(Role::as_str),
                "jurisdiction": new_node.as_ref().map(|n| n.code.clone()),
                "disabled": body.disabled,
            })),
    )
    .await?;
    txn.commit().await?;
    let (account, node) = store::find_with_jurisdiction(&state.db, updated.id)
        .await?
        .ok_or_else(staff_not_found)?;
    Ok(HttpResponse::Ok().json(StaffResponse::from_models(account, &node)))
}

/// The caller's own account.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    responses((status = 200, body = StaffResponse), (status = 401, body = ErrorBody))
)]
#[get("/api/v1/staff/me")]
pub async fn me(state: web::Data<AppState>, caller: Staff) -> AppResult<HttpResponse> {
    let (account, node) = store::find_with_jurisdiction(&state.db, caller.id)
        .await?
        .ok_or_else(staff_not_found)?;
    Ok(HttpResponse::Ok().json(StaffResponse::from_models(account, &node)))
}
