//! A channel's consumer in its Redis consumer group: read, handle, acknowledge.

use std::time::Duration;

use futures_util::StreamExt;

use redis::{
    AsyncCommands,
    streams::{StreamReadOptions, StreamReadReply},
};
use tokio_util::sync::CancellationToken;

use crate::{
    notify::{
        consumer,
        transport::{Message, Streams, ensure_group, is_stream_lost},
    },
    state::AppState,
};

use super::spawn::BLOCK;

/// Handles and acknowledges entries; an entry that fails stays pending for reclaiming.
pub(super) async fn handle_entries(
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

pub(super) async fn group_loop(
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
