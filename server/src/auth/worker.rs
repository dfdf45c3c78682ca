//! Background purge of refresh tokens that expired long ago (kept 30 days for investigations).

use std::time::Duration;

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use tokio_util::sync::CancellationToken;

use entity::refresh_tokens;

use crate::{db, state::AppState};

const EVERY: Duration = Duration::from_secs(3600);

/// Deletes tokens that expired more than 30 days ago; returns how many.
pub async fn run_once(state: &AppState) -> Result<u64, DbErr> {
    let cutoff = db::now() - chrono::Duration::days(30);
    let res = refresh_tokens::Entity::delete_many()
        .filter(refresh_tokens::Column::ExpiresAt.lt(cutoff))
        .exec(&state.db)
        .await?;
    Ok(res.rows_affected)
}

pub async fn run_until_stopped(state: AppState, stop: CancellationToken) {
    loop {
        match run_once(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "expired refresh tokens purged"),
            Err(e) => tracing::warn!(error = %e, "refresh-token purge failed"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}
