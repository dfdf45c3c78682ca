//! The live feed: every instance tails it and hands new inbox rows to its own clients.

use std::time::Duration;

use redis::{
    AsyncCommands,
    streams::{StreamReadOptions, StreamReadReply},
};
use tokio_util::sync::CancellationToken;

use crate::{
    notify::{hub::FeedItem, transport::Streams},
    state::AppState,
};

use super::spawn::BLOCK;

/// Tails the live feed from "now" and hands each new inbox row to this instance's clients.
pub(super) async fn feed_loop(state: AppState, streams: Streams, stop: CancellationToken) {
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
