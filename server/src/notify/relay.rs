//! The relay: unpublished outbox rows become delivery rows (one per recipient and channel) and
//! are marked published in one transaction; the stream messages go out right after it commits,
//! so a consumer never sees a message before its deliveries exist. With several instances on
//! PostgreSQL each takes different rows (`FOR UPDATE SKIP LOCKED`), but a case's rows are
//! relayed in version order: a row whose older sibling another relay holds waits for a later
//! pass, so a newer notice never gets ahead of an older one and makes it stale. A crash between
//! the commit and the publish leaves the deliveries pending, and the reconciler publishes them.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, LockBehavior, LockType},
};
use uuid::Uuid;

use entity::outbox;

use crate::{
    db,
    notify::{recipients, store, transport::Message},
    outbox::Notice,
    state::AppState,
};

pub const BATCH: u64 = 100;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Outbox rows relayed.
    pub relayed: usize,
    /// Rows left for a later pass because an older row of their case was not in this one.
    pub held_back: usize,
    /// The batch was full: there may be more.
    pub full: bool,
}

/// Publishes one batch; returns how many outbox rows it relayed.
pub async fn run_once(state: &AppState) -> anyhow::Result<usize> {
    Ok(pass(state).await?.relayed)
}

/// One batch, with what was held back.
pub async fn pass(state: &AppState) -> anyhow::Result<Pass> {
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
    let full = rows.len() as u64 == BATCH;
    let later = held_back(&txn, &rows).await?;
    let rows: Vec<outbox::Model> = rows
        .into_iter()
        .filter(|r| !later.contains(&r.id))
        .collect();
    let done = Pass {
        relayed: rows.len(),
        held_back: later.len(),
        full,
    };
    if rows.is_empty() {
        return Ok(done);
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
        let ids = rows.iter().map(|r| r.id).collect();
        store::publish_failed(
            &state.db,
            store::PublishedAs::Outbox(ids),
            state.settings.notify.republish_after,
        )
        .await?;
    }
    Ok(done)
}

/// The rows of `batch` that must wait: newer than an unpublished row of the same case that is
/// not in the batch (another relay has it locked, or it fell outside the batch). Unpublished
/// rows of a case are all committed before any newer one exists (its transitions are
/// serialised by the case's version), so a plain read sees every one that is older.
async fn held_back(
    db: &impl ConnectionTrait,
    batch: &[outbox::Model],
) -> Result<HashSet<Uuid>, DbErr> {
    if batch.is_empty() {
        return Ok(HashSet::new());
    }
    let ours: HashSet<Uuid> = batch.iter().map(|r| r.id).collect();
    let cases: HashSet<Uuid> = batch.iter().map(|r| r.aggregate_id).collect();
    let others = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .column(outbox::Column::AggregateId)
        .column(outbox::Column::AggregateVersion)
        .filter(outbox::Column::PublishedAt.is_null())
        .filter(outbox::Column::AggregateId.is_in(cases))
        .filter(outbox::Column::Id.is_not_in(ours))
        .into_tuple::<(Uuid, Uuid, i32)>()
        .all(db)
        .await?;
    let mut oldest: HashMap<Uuid, (i32, Uuid)> = HashMap::new();
    for (id, case, version) in others {
        let o = oldest.entry(case).or_insert((version, id));
        *o = (*o).min((version, id));
    }
    Ok(batch
        .iter()
        .filter(|r| {
            oldest
                .get(&r.aggregate_id)
                .is_some_and(|o| (r.aggregate_version, r.id) > *o)
        })
        .map(|r| r.id)
        .collect())
}
