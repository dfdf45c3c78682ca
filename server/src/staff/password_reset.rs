//! An admin sets a new password for a staff member in their subtree (a forgotten password):
//! every session of that account ends at once, and the change is audited.

use actix_web::{HttpResponse, post, web};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    audit::{self, Actor, Entry},
    auth::{Staff, password, store as tokens},
    db,
    error::{AppError, AppResult, ErrorBody},
    staff::{Role, domain::Password, store},
    state::AppState,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The new password (same rules as at creation); tell it to the person in private.
    #[schema(format = Password)]
    pub password: String,
}

/// Sets a new password and ends every session of the account. Admin accounts only strictly
/// below the caller's node; never the caller's own (they log in with theirs).
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "password set, sessions ended"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/api/v1/admin/staff/{id}/password")]
pub async fn reset(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<ResetPasswordRequest>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    let id = id.into_inner();
    let (account, node) = store::find_in_scope(&state.db, &me.scope, id)
        .await?
        .ok_or_else(|| AppError::not_found("staff_not_found", "工作人员不存在"))?;
    if id == me.id {
        return Err(AppError::unprocessable(
            "cannot_change_own_access",
            "不能在这里重置自己的密码,请联系其他管理员",
        ));
    }
    if Role::parse(&account.role) == Some(Role::Admin)
        && !(me.scope.contains(&node.path) && node.path != me.scope.path)
    {
        return Err(AppError::forbidden(
            "not_below_own_jurisdiction",
            "管理员账号只能由上级辖区的管理员重置密码",
        ));
    }
    let pw = Password::parse(&body.password).map_err(|e| AppError::field("password", e))?;
    let hash = password::hash(pw.expose().to_string()).await?;
    let txn = db::begin(&state.db).await?;
    let mut active: entity::staff::ActiveModel = account.into();
    active.password_hash = Set(hash);
    active.updated_at = Set(db::now());
    let updated = active.update(&txn).await?;
    tokens::revoke_all(&txn, tokens::PrincipalKind::Staff, updated.id).await?;
    audit::record(
        &txn,
        Entry::new(Actor::Staff(me.id), "staff.password_reset").target("staff", updated.id),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
