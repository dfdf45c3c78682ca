//! Taking over entries a dead consumer read but never acknowledged, and setting aside
//! entries that keep failing.

use std::{collections::HashSet, time::Duration};

use redis::{
    AsyncCommands,
    streams::{
        StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamMaxlen,
        StreamPendingCountReply,
    },
};
use tokio_util::sync::CancellationToken;

use crate::{
    notify::transport::{Streams, ensure_group, is_nogroup},
    state::AppState,
};

use super::group::handle_entries;

/// Takes over entries a dead consumer read but never acknowledged.
pub(super) async fn reclaim_loop(
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
pub(super) const RECLAIM_PAGE: usize = 100;

/// Pages per pass, so one pass over a huge pending list stays bounded.
pub(super) const RECLAIM_PAGES: usize = 100;

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
pub(super) async fn set_aside_poison(
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
