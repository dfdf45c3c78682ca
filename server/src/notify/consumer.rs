//! Processing a message: claim each due delivery, keep per-case order, send through its
//! channel, and record the outcome before the message is acknowledged. A redelivered or
//! re-published message finds its deliveries already claimed or done and does nothing.

use std::time::Duration;

use chrono::Utc;
use sea_orm::DbErr;
use uuid::Uuid;

use entity::notification_deliveries as deliveries;

use crate::{
    notify::{
        staff_channel,
        store::{self, Outcome, STAFF, WECHAT},
        transport::Message,
        wechat_channel,
    },
    state::AppState,
};

/// What a channel reports about one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Done(Outcome),
    /// Worth trying again later (network, 5xx, WeChat -1).
    Transient(String),
    /// Not attempted (too little of the claim left to send in): put back, not counted.
    NotStarted(String),
}

/// Exponential backoff with ±20 % jitter, capped at an hour.
pub fn backoff(attempts: i32, base: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << (attempts.clamp(1, 16) - 1) as u32);
    let capped = exp.min(Duration::from_secs(3600));
    let jitter = (u16::from_le_bytes(crate::config::random_bytes::<2>()) as f64 / u16::MAX as f64)
        * 0.4
        + 0.8;
    capped.mul_f64(jitter)
}

/// Handles one message for `channel`. An error leaves the message unacknowledged.
pub async fn handle(state: &AppState, channel: &str, message: Message) -> Result<(), DbErr> {
    match message {
        Message::Outbox(id) => {
            for d in store::due_for_outbox(&state.db, id, channel).await? {
                process(state, d.id).await?;
            }
        }
        Message::Delivery(id) => {
            if let Some(d) = store::find(&state.db, id).await?
                && d.channel == channel
            {
                process(state, d.id).await?;
            }
        }
    }
    Ok(())
}

/// Claims and sends one delivery; `None` when someone else has it or it is already done.
pub async fn process(state: &AppState, id: Uuid) -> Result<Option<Outcome>, DbErr> {
    let settings = &state.settings.notify;
    let Some(d) = store::claim(&state.db, id, settings.lease).await? else {
        return Ok(None);
    };
    // Per case and recipient, notices go out in version order: a newer one waits for an older
    // one still on its way, and is sent right after it.
    if d.channel == WECHAT && store::earlier_in_flight(&state.db, &d).await? {
        // Due at once, so the older one's completion can hand straight on to it.
        store::defer(&state.db, &d, crate::db::now()).await?;
        // The older one may have finished (and looked for a successor) while this one was
        // still being claimed: look again, and if so re-publish ourselves.
        if !store::earlier_in_flight(&state.db, &d).await?
            && let Err(e) = state
                .notifier
                .transport
                .publish(&[Message::Delivery(d.id)])
                .await
        {
            tracing::debug!(error = %e, "could not re-publish a waiting notice; the reconciler will");
        }
        return Ok(None);
    }
    let outcome = if !in_order(state, &d).await? {
        Outcome::SkippedStale
    } else {
        let attempt = match d.channel.as_str() {
            STAFF => staff_channel::deliver(state, &d).await?,
            WECHAT => wechat_channel::deliver(state, &d).await?,
            other => Attempt::Done(Outcome::Dead {
                error: format!("unknown channel {other}"),
            }),
        };
        match attempt {
            Attempt::Done(o) => o,
            Attempt::Transient(error) if d.attempts >= settings.max_attempts => Outcome::Dead {
                error: format!("gave up after {} attempts: {error}", d.attempts),
            },
            Attempt::Transient(error) => Outcome::Retry {
                at: crate::db::now()
                    + chrono::Duration::from_std(backoff(d.attempts, settings.retry_base))
                        .unwrap_or_default(),
                error,
            },
            Attempt::NotStarted(reason) => {
                tracing::debug!(delivery = %d.id, reason, "notice put back unsent");
                store::defer(&state.db, &d, crate::db::now()).await?;
                return Ok(None);
            }
        }
    };
    if !store::record(&state.db, &d, &outcome).await? {
        // Our lease ran out and someone else took over; their result stands.
        tracing::warn!(delivery = %d.id, "delivery outcome not recorded: lease lost");
        return Ok(None);
    }
    state.notifier.observe(&d, &outcome);
    if d.channel == WECHAT
        && !matches!(outcome, Outcome::Retry { .. } | Outcome::Unknown { .. })
        && let Some(next) = store::next_in_line(&state.db, &d).await?
        && let Err(e) = state
            .notifier
            .transport
            .publish(&[Message::Delivery(next)])
            .await
    {
        tracing::debug!(error = %e, "could not hand on to the next notice; the reconciler will");
    }
    match &outcome {
        Outcome::Sent { .. } if d.channel == STAFF => staff_channel::announce(state, &d).await,
        Outcome::Dead { error } => {
            tracing::error!(delivery = %d.id, channel = %d.channel, event = %d.event_type, error = %error, "notification dead-lettered");
            state.notifier.transport.dead_letter(d.id, error).await;
        }
        _ => {}
    }
    Ok(Some(outcome))
}

/// Per case and recipient, a WeChat status notice older than one already sent is dropped.
async fn in_order(state: &AppState, d: &deliveries::Model) -> Result<bool, DbErr> {
    match (d.channel.as_str(), d.application_id) {
        (WECHAT, Some(app)) => {
            let key = format!("{app}:{}:{}", d.channel, d.recipient_id);
            store::advance_cursor(&state.db, &key, d.aggregate_version).await
        }
        _ => Ok(true),
    }
}

/// Seconds from the event's commit to now, for the send-latency metric.
pub fn since(created: chrono::DateTime<Utc>) -> f64 {
    (Utc::now() - created).num_milliseconds().max(0) as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(10);
        for attempts in 1..6 {
            let d = backoff(attempts, base).as_secs_f64();
            let nominal = 10.0 * 2f64.powi(attempts - 1);
            assert!(
                d >= nominal * 0.8 - 0.001 && d <= nominal * 1.2 + 0.001,
                "{attempts}: {d}"
            );
        }
        assert!(backoff(30, base) <= Duration::from_secs_f64(3600.0 * 1.2));
    }
}
