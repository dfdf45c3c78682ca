//! The pipeline's background loops: relay, one consumer per channel (Redis consumer group or
//! in-process channel), reclaiming entries of dead consumers, the reconciler and the live feed.

use std::{sync::Arc, time::Duration};

use futures_util::StreamExt;

use redis::{
    AsyncCommands,
    streams::{StreamAutoClaimOptions, StreamAutoClaimReply, StreamReadOptions, StreamReadReply},
};
use tokio::{sync::Semaphore, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{
    notify::{
        consumer,
        hub::FeedItem,
        reconciler, relay,
        transport::{CHANNELS, Message, Streams, Transport, ensure_group, is_nogroup},
    },
    state::AppState,
};

const BLOCK: Duration = Duration::from_secs(2);
const IDLE_POLL: Duration = Duration::from_millis(500);

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

async fn relay_loop(state: AppState, stop: CancellationToken) {
    loop {
        let took = match relay::run_once(&state).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "outbox relay failed; will retry");
                0
            }
        };
        if took as u64 == relay::BATCH {
            continue;
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = state.notifier.nudge.notified() => {}
            _ = tokio::time::sleep(IDLE_POLL) => {}
        }
    }
}

async fn reconcile_loop(state: AppState, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(state.settings.notify.reconcile_every) => {}
        }
        match reconciler::run_once(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(republished = n, "reconciler re-published deliveries"),
            Err(e) => tracing::warn!(error = %e, "reconciler failed"),
        }
    }
}

async fn local_loop(state: AppState, channel: &'static str, stop: CancellationToken) {
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

/// Handles and acknowledges entries; an entry that fails stays pending for reclaiming.
async fn handle_entries(
    state: &AppState,
    streams: &Streams,
    channel: &str,
    conn: &mut redis::aio::ConnectionManager,
    entries: Vec<redis::streams::StreamId>,
) {
    // Deliveries are independent (claims guard each one; a case's order is kept by the
    // consumer), so several are handled at once.
    let conn = &*conn;
    futures_util::stream::iter(entries)
        .for_each_concurrent(state.settings.notify.concurrency, |entry| async move {
            let ok = match Message::from_entry(&entry.map) {
                Some(m) => match consumer::handle(state, channel, m).await {
                    Ok(()) => true,
                    Err(e) => {
                        tracing::warn!(error = %e, channel, "notification consumer failed; entry left pending");
                        false
                    }
                },
                None => true,
            };
            if ok {
                let mut conn = conn.clone();
                let res: redis::RedisResult<i64> = conn.xack(&streams.events, channel, &[&entry.id]).await;
                if let Err(e) = res {
                    tracing::warn!(error = %e, "XACK failed; the entry will be redelivered and absorbed");
                }
            }
        })
        .await;
}

async fn group_loop(
    state: AppState,
    streams: Streams,
    channel: &'static str,
    stop: CancellationToken,
) {
    let consumer_name = state.notifier.consumer_name.clone();
    let mut conn = None;
    loop {
        if stop.is_cancelled() {
            return;
        }
        let c = match &mut conn {
            Some(c) => c,
            None => match streams.redis.blocking_conn(BLOCK).await {
                Ok(mut c) => {
                    if let Err(e) = ensure_group(&mut c, &streams.events, channel).await {
                        tracing::warn!(error = %e, "creating the consumer group failed");
                    }
                    conn.insert(c)
                }
                Err(e) => {
                    tracing::warn!(error = %e, channel, "Redis unreachable; notification consumer waiting");
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                    continue;
                }
            },
        };
        let opts = StreamReadOptions::default()
            .group(channel, &consumer_name)
            .count(32)
            .block(BLOCK.as_millis() as usize);
        let keys = [&streams.events];
        let ids = [">"];
        let read: redis::RedisResult<Option<StreamReadReply>> = tokio::select! {
            _ = stop.cancelled() => return,
            r = c.xread_options(&keys, &ids, &opts) => r,
        };
        match read {
            Ok(Some(reply)) => {
                let entries = reply.keys.into_iter().flat_map(|k| k.ids).collect();
                handle_entries(&state, &streams, channel, c, entries).await;
            }
            Ok(None) => {}
            Err(e) if is_nogroup(&e) => {
                // Redis lost the stream (restart without persistence): recreate; the reconciler
                // re-publishes whatever was in flight.
                tracing::warn!(channel, "consumer group missing; recreating it");
                if let Err(e) = ensure_group(c, &streams.events, channel).await {
                    tracing::warn!(error = %e, "recreating the consumer group failed");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, channel, "reading the notification stream failed");
                conn = None;
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
        }
    }
}

/// Takes over entries a dead consumer read but never acknowledged.
async fn reclaim_loop(
    state: AppState,
    streams: Streams,
    channel: &'static str,
    stop: CancellationToken,
) {
    let idle = state.settings.notify.claim_idle;
    let every = (idle / 2).max(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let Ok(mut conn) = streams.redis.conn().await else {
            continue;
        };
        let mut start = "0-0".to_string();
        loop {
            let reply: redis::RedisResult<StreamAutoClaimReply> = conn
                .xautoclaim_options(
                    &streams.events,
                    channel,
                    &state.notifier.consumer_name,
                    idle.as_millis() as usize,
                    &start,
                    StreamAutoClaimOptions::default().count(100),
                )
                .await;
            match reply {
                Ok(r) => {
                    let done = r.next_stream_id == "0-0" || r.claimed.is_empty();
                    if !r.claimed.is_empty() {
                        tracing::info!(
                            channel,
                            count = r.claimed.len(),
                            "reclaimed pending notification entries"
                        );
                    }
                    handle_entries(&state, &streams, channel, &mut conn, r.claimed).await;
                    start = r.next_stream_id;
                    if done {
                        break;
                    }
                }
                Err(e) if is_nogroup(&e) => {
                    let _ = ensure_group(&mut conn, &streams.events, channel).await;
                    break;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "XAUTOCLAIM failed");
                    break;
                }
            }
        }
    }
}

/// Tails the live feed from "now" and hands each new inbox row to this instance's clients.
async fn feed_loop(state: AppState, streams: Streams, stop: CancellationToken) {
    let mut last = "$".to_string();
    let mut conn = None;
    loop {
        if stop.is_cancelled() {
            return;
        }
        let c = match &mut conn {
            Some(c) => c,
            None => match streams.redis.blocking_conn(BLOCK).await {
                Ok(c) => conn.insert(c),
                Err(_) => {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                    continue;
                }
            },
        };
        let opts = StreamReadOptions::default()
            .count(100)
            .block(BLOCK.as_millis() as usize);
        let keys = [&streams.feed];
        let ids = [last.clone()];
        let read: redis::RedisResult<Option<StreamReadReply>> = tokio::select! {
            _ = stop.cancelled() => return,
            r = c.xread_options(&keys, &ids, &opts) => r,
        };
        match read {
            Ok(Some(reply)) => {
                for entry in reply.keys.into_iter().flat_map(|k| k.ids) {
                    last = entry.id.clone();
                    let get = |k: &str| match entry.map.get(k) {
                        Some(redis::Value::BulkString(b)) => std::str::from_utf8(b)
                            .ok()
                            .and_then(|s| uuid::Uuid::parse_str(s).ok()),
                        _ => None,
                    };
                    if let (Some(staff_id), Some(inbox_id)) = (get("s"), get("i")) {
                        state.notifier.hub.send(FeedItem { staff_id, inbox_id });
                    }
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::debug!(error = %e, "reading the live feed failed");
                conn = None;
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
        }
    }
}
