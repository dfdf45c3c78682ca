//! Queue figures for `/metrics`, read when scraped: outbox backlog, dead letters, and per
//! consumer group the stream lag and pending entries.

use redis::{AsyncCommands, streams::StreamInfoGroupsReply};
use sea_orm::DbErr;

use crate::{
    notify::{notifier::GroupLabels, store, transport::Transport},
    state::AppState,
};

pub async fn refresh(state: &AppState) -> Result<(), DbErr> {
    let m = &state.notifier.metrics;
    let backlog = crate::outbox::store::backlog(&state.db).await?;
    m.outbox_backlog.set(backlog as i64);
    let dead = store::count_dead(&state.db).await?;
    m.dead_letters.set(dead as i64);
    if let Transport::Redis(s) = &state.notifier.transport
        && let Ok(mut conn) = s.redis.conn().await
    {
        let info: Result<StreamInfoGroupsReply, _> = conn.xinfo_groups(&s.events).await;
        if let Ok(info) = info {
            for g in info.groups {
                let labels = GroupLabels { group: g.name };
                m.stream_pending
                    .get_or_create(&labels)
                    .set(g.pending as i64);
                m.stream_lag
                    .get_or_create(&labels)
                    .set(g.lag.unwrap_or(0) as i64);
            }
        }
    }
    Ok(())
}
