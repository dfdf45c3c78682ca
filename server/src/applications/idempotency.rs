//! `Idempotency-Key` for creating applications: a retry with the same key returns the original
//! response; the same key with a different body is refused. The key row commits with the
//! application, so a failed attempt leaves nothing behind and may be retried.

use actix_web::HttpRequest;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, TryInsertResult,
    sea_query::Expr,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use entity::idempotency_keys;

use crate::{
    db,
    error::{AppError, AppResult, codes},
};

pub const HEADER: &str = "idempotency-key";

pub enum Begin {
    Fresh,
    Replay { status: u16, body: Value },
}

pub fn key(req: &HttpRequest) -> AppResult<Option<String>> {
    let Some(v) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let k = v.to_str().unwrap_or_default().trim();
    if k.is_empty() || k.len() > 128 || !k.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key 须为 1–128 个可见 ASCII 字符",
        ));
    }
    Ok(Some(k.to_string()))
}

/// Fingerprint of a JSON body (object keys are sorted, so key order does not matter).
pub fn fingerprint(body: &Value) -> String {
    hex::encode(Sha256::digest(body.to_string().as_bytes()))
}

/// Whether `key` already has a recorded answer for `principal` (a retry that `begin` will
/// replay), so work that only a fresh request needs can be skipped.
pub async fn answered(
    db: &impl sea_orm::ConnectionTrait,
    principal: Uuid,
    key: &str,
) -> Result<bool, sea_orm::DbErr> {
    Ok(idempotency_keys::Entity::find()
        .filter(idempotency_keys::Column::PrincipalId.eq(principal))
        .filter(idempotency_keys::Column::Key.eq(key))
        .filter(idempotency_keys::Column::ResponseStatus.is_not_null())
        .one(db)
        .await?
        .is_some())
}

pub async fn begin(
    txn: &DatabaseTransaction,
    principal: Uuid,
    key: &str,
    hash: &str,
) -> AppResult<Begin> {
    let inserted = idempotency_keys::Entity::insert(idempotency_keys::ActiveModel {
        id: Set(Uuid::now_v7()),
        principal_id: Set(principal),
        key: Set(key.into()),
        request_hash: Set(hash.into()),
        response_status: Set(None),
        response_body: Set(None),
        created_at: Set(db::now()),
    })
    .on_conflict_do_nothing_on([
        idempotency_keys::Column::PrincipalId,
        idempotency_keys::Column::Key,
    ])
    .exec(txn)
    .await?;
    if matches!(inserted, TryInsertResult::Inserted(_)) {
        return Ok(Begin::Fresh);
    }
    let row = idempotency_keys::Entity::find()
        .filter(idempotency_keys::Column::PrincipalId.eq(principal))
        .filter(idempotency_keys::Column::Key.eq(key))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::from(codes::REQUEST_IN_PROGRESS))?;
    if row.request_hash != hash {
        return Err(AppError::unprocessable(
            "idempotency_key_reused",
            "该 Idempotency-Key 已用于内容不同的请求,请为新请求使用新的 Key",
        ));
    }
    match (row.response_status, row.response_body) {
        (Some(status), Some(body)) => Ok(Begin::Replay {
            status: u16::try_from(status).unwrap_or(200),
            body,
        }),
        _ => Err(AppError::from(codes::REQUEST_IN_PROGRESS)),
    }
}

pub async fn finish(
    txn: &DatabaseTransaction,
    principal: Uuid,
    key: &str,
    status: u16,
    body: &Value,
) -> AppResult<()> {
    idempotency_keys::Entity::update_many()
        .col_expr(
            idempotency_keys::Column::ResponseStatus,
            Expr::value(i32::from(status)),
        )
        .col_expr(
            idempotency_keys::Column::ResponseBody,
            Expr::value(body.clone()),
        )
        .filter(idempotency_keys::Column::PrincipalId.eq(principal))
        .filter(idempotency_keys::Column::Key.eq(key))
        .exec(txn)
        .await?;
    Ok(())
}
