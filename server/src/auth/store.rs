//! Refresh-token families: opaque tokens stored as SHA-256, rotated on every use; presenting a
//! used token again revokes the whole family.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, sea_query::Expr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use entity::refresh_tokens;

use crate::db;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    Staff,
    Resident,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Staff => "staff",
            PrincipalKind::Resident => "resident",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "staff" => Some(PrincipalKind::Staff),
            "resident" => Some(PrincipalKind::Resident),
            _ => None,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum RotateError {
    /// Unknown, revoked or expired.
    Invalid,
    /// An already-rotated token came back: the family is now revoked.
    Reused,
}

#[derive(Debug)]
pub struct Rotated {
    pub kind: PrincipalKind,
    pub principal_id: Uuid,
    pub family_id: Uuid,
    pub token: String,
}

fn hash(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

fn new_raw_token() -> String {
    B64.encode(crate::config::random_bytes::<32>())
}

/// Issues a token in `family` (a new family when `None`) and returns the raw token.
pub async fn issue(
    db: &impl ConnectionTrait,
    kind: PrincipalKind,
    principal_id: Uuid,
    family: Option<Uuid>,
    ttl: Duration,
) -> Result<String, DbErr> {
    let raw = new_raw_token();
    let now = db::now();
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family.unwrap_or_else(Uuid::now_v7)),
        principal_kind: Set(kind.as_str().into()),
        principal_id: Set(principal_id),
        token_hash: Set(hash(&raw)),
        expires_at: Set(now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(14))),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(raw)
}

/// Exchanges `raw` for a new token of the same family. The old token is marked used with a
/// conditional update, so two concurrent uses cannot both succeed.
pub async fn rotate(
    conn: &DatabaseConnection,
    raw: &str,
    ttl: Duration,
) -> Result<Result<Rotated, RotateError>, DbErr> {
    let txn = db::begin(conn).await?;
    let Some(row) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash(raw)))
        .one(&txn)
        .await?
    else {
        return Ok(Err(RotateError::Invalid));
    };
    let now = db::now();
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Ok(Err(RotateError::Invalid));
    }
    let Some(kind) = PrincipalKind::parse(&row.principal_kind) else {
        return Ok(Err(RotateError::Invalid));
    };
    let marked = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(row.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected == 0 {
        revoke_family(&txn, row.family_id).await?;
        txn.commit().await?;
        tracing::warn!(family = %row.family_id, kind = kind.as_str(), "refresh token reused; family revoked");
        return Ok(Err(RotateError::Reused));
    }
    let token = issue(&txn, kind, row.principal_id, Some(row.family_id), ttl).await?;
    txn.commit().await?;
    Ok(Ok(Rotated {
        kind,
        principal_id: row.principal_id,
        family_id: row.family_id,
        token,
    }))
}

pub async fn revoke_family(db: &impl ConnectionTrait, family_id: Uuid) -> Result<(), DbErr> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(db::now()))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes the family `raw` belongs to (logout). Unknown tokens are ignored.
pub async fn revoke_family_of(db: &impl ConnectionTrait, raw: &str) -> Result<(), DbErr> {
    if let Some(row) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash(raw)))
        .one(db)
        .await?
    {
        revoke_family(db, row.family_id).await?;
    }
    Ok(())
}

/// Revokes every session of a principal (account disabled).
pub async fn revoke_all(
    db: &impl ConnectionTrait,
    kind: PrincipalKind,
    principal_id: Uuid,
) -> Result<(), DbErr> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(db::now()))
        .filter(refresh_tokens::Column::PrincipalKind.eq(kind.as_str()))
        .filter(refresh_tokens::Column::PrincipalId.eq(principal_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
