//! The reconciler: re-publishes deliveries that should have moved but did not — pending ones
//! whose message was lost (Redis restarted, stream deleted), retries that have come due, sends
//! whose consumer died — so a lost message delays a notification but never loses it. A send
//! whose outcome is unknown (a timeout, or a consumer that stopped between claiming a WeChat
//! notice and recording how it went) is retried once: the resident may get that one notice
//! twice, never more, and a second unknown dead-letters it for a person to look at.

use sea_orm::DbErr;

use crate::{
    notify::{
        store::{self, DEAD, RETRY, SENDING, UNKNOWN, WECHAT},
        transport::Message,
    },
    state::AppState,
};

const BATCH: u64 = 500;
/// Unknown outcomes a delivery may have: the first is retried, the second dead-letters it.
pub const MAX_UNKNOWN_OUTCOMES: i32 = 2;
/// Marks the error of a send already retried once after an unknown outcome.
pub const UNKNOWN_RETRIED: &str = "outcome unknown; retried once";
const STOPPED: &str = "consumer stopped during send";

/// One pass; returns how many deliveries were re-published.
pub async fn run_once(state: &AppState) -> Result<usize, DbErr> {
    let stuck = store::stuck(&state.db, state.settings.notify.republish_after, BATCH).await?;
    let mut messages = Vec::new();
    for d in stuck {
        let (next, error, unknown) = if d.state == UNKNOWN {
            // Counted when the consumer recorded it.
            if d.unknown_outcomes >= MAX_UNKNOWN_OUTCOMES {
                (DEAD, None, false)
            } else {
                (RETRY, None, false)
            }
        } else if d.state == SENDING && d.channel == WECHAT {
            // Its consumer stopped mid-send: the notice may or may not have gone out.
            if d.unknown_outcomes + 1 >= MAX_UNKNOWN_OUTCOMES {
                (DEAD, Some(format!("{UNKNOWN_RETRIED}: {STOPPED}")), true)
            } else {
                (RETRY, Some(format!("outcome unknown: {STOPPED}")), true)
            }
        } else {
            (d.state.as_str(), None, false)
        };
        // Conditional: if two instances reconcile at once, only one republishes.
        if !store::touch(&state.db, &d, next, error.as_deref(), unknown).await? {
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
