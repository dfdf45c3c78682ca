//! Refresh-token families: opaque tokens stored as SHA-256, rotated on every use; presenting a
//! used token again revokes the whole family. A staff family ends 30 days after its login
//! however often it is refreshed.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
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

    /// How long a family lasts from its login, however often it is refreshed. Staff log in
    /// again at least monthly (等保 session limits); residents have none, since the
    /// mini-program signs them in again silently with `wx.login()` whenever asked.
    pub fn max_session_age(self) -> Option<Duration> {
        match self {
            PrincipalKind::Staff => Some(STAFF_SESSION_MAX_AGE),
            PrincipalKind::Resident => None,
        }
    }
}

/// The absolute lifetime of a staff session (one refresh-token family), from its login.
pub const STAFF_SESSION_MAX_AGE: Duration = Duration::from_secs(30 * 86_400);

#[derive(Debug, PartialEq, Eq)]
pub enum RotateError {
    /// Unknown, revoked or expired.
    Invalid,
    /// An already-rotated token came back: the family is now revoked.
    Reused,
    /// The family is older than its kind's absolute session lifetime: log in again.
    SessionExpired,
}

/// `Debug` leaves the raw token out.
pub struct Rotated {
    pub kind: PrincipalKind,
    pub principal_id: Uuid,
    pub family_id: Uuid,
    pub token: String,
}

impl std::fmt::Debug for Rotated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rotated")
            .field("kind", &self.kind)
            .field("principal_id", &self.principal_id)
            .field("family_id", &self.family_id)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

fn hash(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

fn new_raw_token() -> String {
    B64.encode(crate::config::random_bytes::<32>())
}

/// Issues a token in `family` (a new family when `None`) and returns the raw token. It expires
/// after `ttl`, or when its family reaches its absolute lifetime if that comes first.
pub async fn issue(
    db: &impl ConnectionTrait,
    kind: PrincipalKind,
    principal_id: Uuid,
    family: Option<Uuid>,
    ttl: Duration,
) -> Result<String, DbErr> {
    let now = db::now();
    let started = match family {
        Some(f) => family_started(db, f).await?.unwrap_or(now),
        None => now,
    };
    let family = family.unwrap_or_else(Uuid::now_v7);
    let mut expires_at =
        now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(14));
    if let Some(end) = session_end(kind, started) {
        expires_at = expires_at.min(end);
    }
    let raw = new_raw_token();
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family),
        principal_kind: Set(kind.as_str().into()),
        principal_id: Set(principal_id),
        token_hash: Set(hash(&raw)),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(raw)
}

/// When the family's session began: the creation of its first token (the login). Tokens are
/// purged only 30 days after they expire, and no token outlives its family's session, so the
/// first one is still there for as long as any token of the family could be used.
async fn family_started(
    db: &impl ConnectionTrait,
    family: Uuid,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::FamilyId.eq(family))
        .order_by_asc(refresh_tokens::Column::CreatedAt)
        .one(db)
        .await?
        .map(|first| first.created_at))
}

fn session_end(kind: PrincipalKind, started: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let max = chrono::Duration::from_std(kind.max_session_age()?).ok()?;
    Some(started + max)
}

/// Exchanges `raw` for a new token of the same family. The old token is marked used with a
/// conditional update, so two concurrent uses cannot both succeed; every other use of a used
/// token, concurrent or later, answers `Reused` and revokes the family.
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
    let Some(kind) = PrincipalKind::parse(&row.principal_kind) else {
        return Ok(Err(RotateError::Invalid));
    };
    // Checked before `revoked_at`: a concurrent loser may already have revoked the family, and
    // the answer for a used token must not depend on who got there first.
    if row.used_at.is_some() {
        return reuse_detected(txn, row.family_id, kind).await;
    }
    let now = db::now();
    if row.revoked_at.is_some() {
        return Ok(Err(RotateError::Invalid));
    }
    if kind.max_session_age().is_some() {
        let started = family_started(&txn, row.family_id)
            .await?
            .unwrap_or(row.created_at);
        if session_end(kind, started).is_some_and(|end| end <= now) {
            return Ok(Err(RotateError::SessionExpired));
        }
    }
    if row.expires_at <= now {
        return Ok(Err(RotateError::Invalid));
    }
    let marked = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(row.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected == 0 {
        return reuse_detected(txn, row.family_id, kind).await;
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

async fn reuse_detected(
    txn: DatabaseTransaction,
    family_id: Uuid,
    kind: PrincipalKind,
) -> Result<Result<Rotated, RotateError>, DbErr> {
    revoke_family(&txn, family_id).await?;
    txn.commit().await?;
    tracing::warn!(family = %family_id, kind = kind.as_str(), "refresh token reused; family revoked");
    Ok(Err(RotateError::Reused))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_shows_no_token() {
        let raw = new_raw_token();
        let r = Rotated {
            kind: PrincipalKind::Staff,
            principal_id: Uuid::now_v7(),
            family_id: Uuid::now_v7(),
            token: raw.clone(),
        };
        let shown = format!("{r:?} {r:#?}");
        assert!(!shown.contains(&raw), "{shown}");
        assert!(shown.contains(&r.family_id.to_string()), "{shown}");
    }
}
