//! The operator's forced token refresh, for a leaked access token only: WeChat allows 20 a day
//! and ignores calls less than 30 s apart, so both are checked first; each refresh is recorded
//! in the audit log with its reason.

use chrono::Duration;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use entity::audit_log;

use crate::{
    audit::{self, Actor, Entry},
    db,
    wechat::WechatClient,
};

pub const ACTION: &str = "wechat.force_refresh";
pub const DAILY_LIMIT: u64 = 20;
pub const MIN_GAP_SECS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum ForceRefreshError {
    #[error("a reason is required (why the token is believed leaked)")]
    NoReason,
    #[error(
        "WeChat allows {DAILY_LIMIT} forced refreshes a day; {0} were made in the last 24 hours"
    )]
    DailyLimit(u64),
    #[error(
        "the last forced refresh was {0} s ago; WeChat ignores refreshes less than {MIN_GAP_SECS} s apart"
    )]
    TooSoon(i64),
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Wechat(#[from] crate::wechat::WechatError),
}

/// Forces a new access token and returns its fingerprint.
pub async fn force_refresh(
    conn: &impl ConnectionTrait,
    wechat: &WechatClient,
    reason: &str,
) -> Result<String, ForceRefreshError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ForceRefreshError::NoReason);
    }
    let now = db::now();
    let recent = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(ACTION))
        .filter(audit_log::Column::At.gt(now - Duration::hours(24)));
    let count = recent.clone().count(conn).await?;
    if count >= DAILY_LIMIT {
        return Err(ForceRefreshError::DailyLimit(count));
    }
    if let Some(last) = recent
        .order_by_desc(audit_log::Column::At)
        .one(conn)
        .await?
    {
        let ago = (now - last.at).num_seconds();
        if ago < MIN_GAP_SECS {
            return Err(ForceRefreshError::TooSoon(ago));
        }
    }
    let token = wechat.force_refresh_token().await?;
    let fingerprint = token.fingerprint();
    audit::store::record(
        conn,
        Entry::new(Actor::System, ACTION)
            .detail(serde_json::json!({ "reason": reason, "token": fingerprint })),
    )
    .await?;
    Ok(fingerprint)
}
