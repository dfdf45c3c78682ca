//! The relay: unpublished outbox rows become delivery rows (one per recipient and channel) and
//! are marked published in one transaction; the stream messages go out right after it commits,
//! so a consumer never sees a message before its deliveries exist. With several instances on
//! PostgreSQL each takes different rows (`FOR UPDATE SKIP LOCKED`). A crash between the commit
//! and the publish leaves the deliveries pending, and the reconciler publishes them again.

use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, LockBehavior, LockType},
};

use entity::outbox;

use crate::{
    db,
    notify::{recipients, store, transport::Message},
    outbox::Notice,
    state::AppState,
};

pub const BATCH: u64 = 100;

/// Publishes one batch; returns how many outbox rows it took.
pub async fn run_once(state: &AppState) -> anyhow::Result<usize> {
    let txn = db::begin(&state.db).await?;
    let mut q = outbox::Entity::find()
        .filter(outbox::Column::PublishedAt.is_null())
        .order_by_asc(outbox::Column::CreatedAt)
        .order_by_asc(outbox::Column::Id)
        .limit(BATCH);
    if db::is_postgres(&txn) {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = q.all(&txn).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    for row in &rows {
        match Notice::from_json(&row.payload) {
            Ok(notice) => {
                let deliveries = recipients::resolve(&txn, row, &notice).await?;
                store::insert_all(&txn, deliveries).await?;
            }
            // Nothing can be sent from a payload nobody can read; it stays in the outbox for
            // a person to look at, published so that it is not read again and again.
            Err(e) => {
                tracing::error!(outbox = %row.id, event = %row.event_type, error = %e, "unreadable outbox payload; no deliveries made")
            }
        }
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::PublishedAt, Expr::value(db::now()))
        .filter(outbox::Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    let messages: Vec<Message> = rows.iter().map(|r| Message::Outbox(r.id)).collect();
    if let Err(e) = state.notifier.transport.publish(&messages).await {
        tracing::warn!(error = %e, count = messages.len(), "publishing to the stream failed; the reconciler will re-publish");
    }
    Ok(rows.len())
}
