//! Starting the pipeline's loops, and the relay, reconciler and in-process loops.

use std::{sync::Arc, time::Duration};

use tokio::{sync::Semaphore, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{
    notify::{
        consumer, reconciler, relay,
        transport::{CHANNELS, Transport},
    },
    state::AppState,
};

use super::{feed::feed_loop, group::group_loop, reclaim::reclaim_loop};

pub(super) const BLOCK: Duration = Duration::from_secs(2);

pub(super) const IDLE_POLL: Duration = Duration::from_millis(500);

pub(super) const HELD_BACK_POLL: Duration = Duration::from_millis(20);

pub fn spawn(state: &AppState) -> Vec<JoinHandle<()>> {
    if !state.settings.notify.workers {
        tracing::info!("ZTC_NOTIFY_WORKERS=false: the notification pipeline runs elsewhere");
        return Vec::new();
    }
    let stop = state.shutdown.clone();
    let mut tasks = vec![
        tokio::spawn(relay_loop(state.clone(), stop.clone())),
        tokio::spawn(reconcile_loop(state.clone(), stop.clone())),
    ];
    match &state.notifier.transport {
        Transport::Redis(streams) => {
            for channel in CHANNELS {
                tasks.push(tokio::spawn(group_loop(
                    state.clone(),
                    (**streams).clone(),
                    channel,
                    stop.clone(),
                )));
                tasks.push(tokio::spawn(reclaim_loop(
                    state.clone(),
                    (**streams).clone(),
                    channel,
                    stop.clone(),
                )));
            }
            tasks.push(tokio::spawn(feed_loop(
                state.clone(),
                (**streams).clone(),
                stop,
            )));
        }
        Transport::Local(_) => {
            for channel in CHANNELS {
                tasks.push(tokio::spawn(local_loop(
                    state.clone(),
                    channel,
                    stop.clone(),
                )));
            }
        }
    }
    tasks
}

pub(super) async fn relay_loop(state: AppState, stop: CancellationToken) {
    loop {
        let pass = match relay::pass(&state).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "outbox relay failed; will retry");
                relay::Pass::default()
            }
        };
        if pass.full {
            continue;
        }
        // Rows held back for an older one another relay is committing: look again shortly.
        let idle = if pass.held_back > 0 {
            HELD_BACK_POLL
        } else {
            IDLE_POLL
        };
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = state.notifier.nudge.notified() => {}
            _ = tokio::time::sleep(idle) => {}
        }
    }
}

pub(super) async fn reconcile_loop(state: AppState, stop: CancellationToken) {
    loop {
        // After a lost stream every message still in it is gone: nothing waits out the interval.
        let republish_after = tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(state.settings.notify.reconcile_every) => state.settings.notify.republish_after,
            _ = state.notifier.lost.notified() => Duration::ZERO,
        };
        match reconciler::run_once_after(&state, republish_after).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(republished = n, "reconciler re-published deliveries"),
            Err(e) => tracing::warn!(error = %e, "reconciler failed"),
        }
    }
}

pub(super) async fn local_loop(state: AppState, channel: &'static str, stop: CancellationToken) {
    let Some(mut rx) = state.notifier.transport.take_local_receiver(channel).await else {
        return;
    };
    let slots = Arc::new(Semaphore::new(state.settings.notify.concurrency));
    loop {
        let message = tokio::select! {
            _ = stop.cancelled() => return,
            m = rx.recv() => match m { Some(m) => m, None => return },
        };
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = consumer::handle(&state, channel, message).await {
                tracing::warn!(error = %e, channel, "notification consumer failed; will retry");
                tokio::time::sleep(Duration::from_secs(1)).await;
                state.notifier.transport.requeue_local(channel, message);
            }
        });
    }
}
