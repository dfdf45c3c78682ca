//! The pipeline's background loops: relay, one consumer per channel (Redis consumer group or
//! in-process channel), reclaiming entries of dead consumers, the reconciler and the live feed.

use std::{collections::HashSet, sync::Arc, time::Duration};

use futures_util::StreamExt;

use redis::{
    AsyncCommands,
    streams::{
        StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamMaxlen,
        StreamPendingCountReply, StreamReadOptions, StreamReadReply,
    },
};
use tokio::{sync::Semaphore, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{
    notify::{
        consumer,
        hub::FeedItem,
        reconciler, relay,
        transport::{
            CHANNELS, Message, Streams, Transport, ensure_group, is_nogroup, is_stream_lost,
        },
    },
    state::AppState,
};

const BLOCK: Duration = Duration::from_secs(2);
const IDLE_POLL: Duration = Duration::from_millis(500);
const HELD_BACK_POLL: Duration = Duration::from_millis(20);

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

async fn reconcile_loop(state: AppState, stop: CancellationToken) {
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
                    match ensure_group(&mut c, &streams.events, channel).await {
                        Ok(true) => state.notifier.stream_lost(),
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "creating the consumer group failed"),
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
            Err(e) if is_stream_lost(&e) => {
                // Redis lost the stream (restart without persistence, a deleted key): recreate
                // the group, and the reconciler re-publishes whatever was in flight at once.
                tracing::warn!(channel, error = %e, "notification stream lost; recreating its group");
                state.notifier.stream_lost();
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
    let every = (state.settings.notify.claim_idle / 2).max(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        match reclaim_once(&state, &streams, channel).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(channel, count = n, "reclaimed pending notification entries"),
            Err(e) => tracing::debug!(error = %e, "XAUTOCLAIM failed"),
        }
    }
}

/// Entries per XAUTOCLAIM page (Redis scans up to ten times as many per call).
const RECLAIM_PAGE: usize = 100;
/// Pages per pass, so one pass over a huge pending list stays bounded.
const RECLAIM_PAGES: usize = 100;
/// An entry delivered this often keeps failing: it is acknowledged and copied to the
/// dead-letter stream instead of being reclaimed forever. Its deliveries stay in the database,
/// where the reconciler still sees them.
pub const POISON_DELIVERIES: usize = 10;

/// One pass over `channel`'s pending list: takes over the entries idle for longer than
/// `claim_idle`, page by page until the cursor comes back to `0-0`, and handles them.
/// Returns how many were taken over.
pub async fn reclaim_once(
    state: &AppState,
    streams: &Streams,
    channel: &str,
) -> redis::RedisResult<usize> {
    let mut conn = streams.redis.conn().await?;
    let idle = state.settings.notify.claim_idle.as_millis() as usize;
    let mut start = "0-0".to_string();
    let mut taken = 0;
    for _ in 0..RECLAIM_PAGES {
        let reply: redis::RedisResult<StreamAutoClaimReply> = conn
            .xautoclaim_options(
                &streams.events,
                channel,
                &state.notifier.consumer_name,
                idle,
                &start,
                StreamAutoClaimOptions::default().count(RECLAIM_PAGE),
            )
            .await;
        let reply = match reply {
            Ok(r) => r,
            Err(e) if is_nogroup(&e) => {
                state.notifier.stream_lost();
                ensure_group(&mut conn, &streams.events, channel).await?;
                break;
            }
            Err(e) => return Err(e),
        };
        let claimed = set_aside_poison(state, streams, channel, &mut conn, reply.claimed).await?;
        taken += claimed.len();
        handle_entries(state, streams, channel, &mut conn, claimed).await;
        // A page may claim nothing (its entries were not idle yet) with more after it.
        if reply.next_stream_id == "0-0" {
            break;
        }
        start = reply.next_stream_id;
    }
    Ok(taken)
}

/// Acknowledges the entries delivered `POISON_DELIVERIES` times or more and copies them to the
/// dead-letter stream; returns the others.
async fn set_aside_poison(
    state: &AppState,
    streams: &Streams,
    channel: &str,
    conn: &mut redis::aio::ConnectionManager,
    claimed: Vec<StreamId>,
) -> redis::RedisResult<Vec<StreamId>> {
    let (Some(first), Some(last)) = (claimed.first(), claimed.last()) else {
        return Ok(claimed);
    };
    let pending: StreamPendingCountReply = conn
        .xpending_consumer_count(
            &streams.events,
            channel,
            &first.id,
            &last.id,
            RECLAIM_PAGE * 10,
            &state.notifier.consumer_name,
        )
        .await?;
    let poison: HashSet<String> = pending
        .ids
        .into_iter()
        .filter(|p| p.times_delivered >= POISON_DELIVERIES)
        .map(|p| p.id)
        .collect();
    let mut rest = Vec::with_capacity(claimed.len());
    for entry in claimed {
        if !poison.contains(&entry.id) {
            rest.push(entry);
            continue;
        }
        tracing::error!(channel, entry = %entry.id, "notification entry keeps failing; acknowledged and dead-lettered");
        let mut fields: Vec<(String, Vec<u8>)> = entry
            .map
            .into_iter()
            .filter_map(|(k, v)| match v {
                redis::Value::BulkString(b) => Some((k, b)),
                redis::Value::SimpleString(s) => Some((k, s.into_bytes())),
                _ => None,
            })
            .collect();
        fields.push(("entry".into(), entry.id.clone().into_bytes()));
        fields.push(("group".into(), channel.as_bytes().to_vec()));
        let _: Option<String> = conn
            .xadd_maxlen(&streams.dead, StreamMaxlen::Approx(10_000), "*", &fields)
            .await?;
        let _: i64 = conn.xack(&streams.events, channel, &[&entry.id]).await?;
    }
    Ok(rest)
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
