//! Hourly clean-up: refresh tokens that expired more than 30 days ago, and idempotency keys and
//! seen WeChat pushes older than 7 days (a retry never comes that late, and a push's signature
//! is refused after 5 minutes anyway).

use std::time::Duration;

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use tokio_util::sync::CancellationToken;

use entity::{idempotency_keys, refresh_tokens, wechat_push_events};

use crate::{db, state::AppState};

const EVERY: Duration = Duration::from_secs(3600);

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub refresh_tokens: u64,
    pub idempotency_keys: u64,
    pub push_events: u64,
}

pub async fn run_once(state: &AppState) -> Result<Purged, DbErr> {
    let now = db::now();
    let tokens = refresh_tokens::Entity::delete_many()
        .filter(refresh_tokens::Column::ExpiresAt.lt(now - chrono::Duration::days(30)))
        .exec(&state.db)
        .await?;
    let keys = idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::CreatedAt.lt(now - chrono::Duration::days(7)))
        .exec(&state.db)
        .await?;
    let pushes = wechat_push_events::Entity::delete_many()
        .filter(wechat_push_events::Column::ReceivedAt.lt(now - chrono::Duration::days(7)))
        .exec(&state.db)
        .await?;
    Ok(Purged {
        refresh_tokens: tokens.rows_affected,
        idempotency_keys: keys.rows_affected,
        push_events: pushes.rows_affected,
    })
}

pub async fn run_until_stopped(state: AppState, stop: CancellationToken) {
    loop {
        match run_once(&state).await {
            Ok(p) if p != Purged::default() => tracing::info!(?p, "housekeeping purged old rows"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}
