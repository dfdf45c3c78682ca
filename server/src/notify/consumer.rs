//! Processing a message: claim each due delivery, keep per-case order, send through its
//! channel, and record the outcome before the message is acknowledged. A redelivered or
//! re-published message finds its deliveries already claimed or done and does nothing.

use std::time::Duration;

use sea_orm::DbErr;
use uuid::Uuid;

use entity::notification_deliveries as deliveries;

use crate::{
    notify::{
        attempt::Attempt,
        staff_channel,
        store::{self, Outcome, STAFF, WECHAT},
        transport::Message,
        wechat_channel,
    },
    state::AppState,
};

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

/// Claims and sends one delivery; `None` when someone else has it, it is already done, or it
/// must wait for an older notice of its case.
pub async fn process(state: &AppState, id: Uuid) -> Result<Option<Outcome>, DbErr> {
    // A notice that finds the older one done just as it starts to wait goes straight on (a few
    // times at most; after that the reconciler sees it pending).
    for _ in 0..3 {
        let Some(d) = store::claim(&state.db, id, state.settings.notify.lease).await? else {
            return Ok(None);
        };
        // Per case and recipient, notices go out in version order: a newer one waits, unpolled,
        // for an older one still on its way, whose completion hands on to it.
        if d.channel == WECHAT && store::earlier_in_flight(&state.db, &d).await? {
            store::put_back(&state.db, &d, store::WAITING, crate::db::now()).await?;
            // The older one may have finished (and found nobody waiting) while this one was
            // being claimed: look again now that this one is visibly waiting.
            if store::earlier_in_flight(&state.db, &d).await?
                || !store::release(&state.db, d.id).await?
            {
                return Ok(None);
            }
            continue;
        }
        return send(state, d).await;
    }
    Ok(None)
}

/// Sends a claimed delivery that is next in line and records how it went.
async fn send(state: &AppState, d: deliveries::Model) -> Result<Option<Outcome>, DbErr> {
    let settings = &state.settings.notify;
    let outcome = if !in_order(state, &d).await? {
        tracing::warn!(delivery = %d.id, version = d.aggregate_version, "a newer notice of this case already went out; this older one is skipped");
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
    if !matches!(outcome, Outcome::Retry { .. } | Outcome::Unknown { .. }) {
        hand_on(state, &d).await?;
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

/// `d` is done with (sent, skipped or dead): the next notice of its case and recipient that
/// waits behind it is made due and published. Lost with its instance, the hand-on is made by
/// the reconciler instead.
pub async fn hand_on(state: &AppState, d: &deliveries::Model) -> Result<(), DbErr> {
    if d.channel != WECHAT {
        return Ok(());
    }
    let Some(next) = store::next_in_line(&state.db, d).await? else {
        return Ok(());
    };
    // A pending or retrying one has its own message (or the reconciler's) on the way.
    if next.state == store::WAITING
        && store::release(&state.db, next.id).await?
        && let Err(e) = state
            .notifier
            .transport
            .publish(&[Message::Delivery(next.id)])
            .await
    {
        tracing::debug!(error = %e, "could not hand on to the next notice; the reconciler will");
        store::publish_failed(
            &state.db,
            store::PublishedAs::Deliveries(vec![next.id]),
            state.settings.notify.republish_after,
        )
        .await?;
    }
    Ok(())
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
