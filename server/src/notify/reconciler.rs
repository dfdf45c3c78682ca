//! The reconciler: re-publishes deliveries that should have moved but did not — pending ones
//! whose message was lost (Redis restarted, stream deleted), retries that have come due, sends
//! whose consumer died — so a lost message delays a notification but never loses it. A send
//! whose outcome was unknown (timeout) is retried once.

use sea_orm::DbErr;

use crate::{
    notify::{
        store::{self, DEAD, RETRY, UNKNOWN},
        transport::Message,
    },
    state::AppState,
};

const BATCH: u64 = 500;
/// Marks the error of a send already retried once after an unknown outcome.
pub const UNKNOWN_RETRIED: &str = "outcome unknown; retried once";

/// One pass; returns how many deliveries were re-published.
pub async fn run_once(state: &AppState) -> Result<usize, DbErr> {
    let stuck = store::stuck(&state.db, state.settings.notify.republish_after, BATCH).await?;
    let mut messages = Vec::new();
    for d in stuck {
        let next = if d.state == UNKNOWN {
            if d.last_error
                .as_deref()
                .is_some_and(|e| e.contains(UNKNOWN_RETRIED))
            {
                DEAD
            } else {
                RETRY
            }
        } else {
            d.state.as_str()
        };
        // Conditional: if two instances reconcile at once, only one republishes.
        if !store::touch(&state.db, &d, next).await? {
            continue;
        }
        if next == DEAD {
            tracing::error!(delivery = %d.id, "notification outcome unknown twice; dead-lettered");
            state
                .notifier
                .transport
                .dead_letter(d.id, "outcome unknown twice")
                .await;
            continue;
        }
        messages.push(Message::Delivery(d.id));
    }
    if let Err(e) = state.notifier.transport.publish(&messages).await {
        tracing::warn!(error = %e, "reconciler could not publish; will try again");
        return Ok(0);
    }
    Ok(messages.len())
}
