//! The reconciler: moves on every delivery that should have moved but did not, so a lost
//! message delays a notification but never loses it — pending ones whose message was lost
//! (Redis restarted, stream deleted), retries that have come due, sends whose consumer died,
//! waiting ones whose hand-on was lost. Each is touched when handled and comes round again
//! `ZTC_NOTIFY_REPUBLISH_AFTER_MS` later, however often publishing fails, until it is done.
//!
//! A consumer that died before marking its send as started cannot have sent: its notice is
//! simply retried. One that died after the mark, or a send that timed out, has an unknown
//! outcome and is retried once: the resident may get that one notice twice, never more, and a
//! second unknown dead-letters it for a person to look at.

use sea_orm::DbErr;

use crate::{
    notify::{
        consumer,
        store::{
            self, DEAD, MAX_UNKNOWN_OUTCOMES, PENDING, RETRY, SENDING, UNKNOWN, UNKNOWN_RETRIED,
            WAITING, WECHAT,
        },
        transport::Message,
    },
    state::AppState,
};

const BATCH: u64 = 500;
const STOPPED: &str = "consumer stopped during send";
const STOPPED_BEFORE: &str = "consumer stopped before sending; retried";

/// One pass; returns how many deliveries were re-published.
pub async fn run_once(state: &AppState) -> Result<usize, DbErr> {
    run_once_after(state, state.settings.notify.republish_after).await
}

/// One pass that takes a message for lost once it is `republish_after` old (zero right after
/// the stream itself was lost).
pub async fn run_once_after(
    state: &AppState,
    republish_after: std::time::Duration,
) -> Result<usize, DbErr> {
    let stuck = store::stuck(&state.db, republish_after, BATCH).await?;
    let mut messages = Vec::new();
    for d in stuck {
        let (next, error, unknown) = match d.state.as_str() {
            // Counted when the consumer recorded it.
            UNKNOWN if d.unknown_outcomes >= MAX_UNKNOWN_OUTCOMES => (DEAD, None, false),
            UNKNOWN => (RETRY, None, false),
            // Its consumer stopped after the send was about to leave: it may have gone out.
            SENDING if d.channel == WECHAT && d.send_started_at.is_some() => {
                if d.unknown_outcomes + 1 >= MAX_UNKNOWN_OUTCOMES {
                    (DEAD, Some(format!("{UNKNOWN_RETRIED}: {STOPPED}")), true)
                } else {
                    (RETRY, Some(format!("outcome unknown: {STOPPED}")), true)
                }
            }
            // Nothing can have been sent: a plain retry.
            SENDING => (RETRY, Some(STOPPED_BEFORE.to_string()), false),
            // Nothing older is in flight any more, but no completion handed on to it.
            WAITING => (PENDING, None, false),
            other => (other, None, false),
        };
        // Conditional: if two instances reconcile at once, only one moves it.
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
            consumer::hand_on(state, &d).await?;
            continue;
        }
        messages.push(Message::Delivery(d.id));
    }
    if let Err(e) = state.notifier.transport.publish(&messages).await {
        tracing::warn!(error = %e, "reconciler could not publish; will try again");
        let ids = messages
            .iter()
            .filter_map(|m| match m {
                Message::Delivery(id) => Some(*id),
                Message::Outbox(_) => None,
            })
            .collect();
        store::publish_failed(
            &state.db,
            store::PublishedAs::Deliveries(ids),
            state.settings.notify.republish_after,
        )
        .await?;
        return Ok(0);
    }
    Ok(messages.len())
}
