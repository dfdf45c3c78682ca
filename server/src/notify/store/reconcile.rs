//! What the reconciler moves on (lost messages, due retries, expired claims, lost hand-ons)
//! and the admin's retry of a dead letter.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use entity::notification_deliveries as deliveries;

use crate::db;

use super::*;

/// Deliveries the reconciler should move on: pending ones nobody touched for a while (their
/// message was lost), retries that have come due (and again if that publish was lost), unknown
/// outcomes, sends whose holder's lease ran out, and — should a hand-on have been lost with
/// its instance — waiting ones with nothing older left in flight. Each is touched when handled,
/// so it comes round again `republish_after` later until it is done.
pub async fn stuck(
    db: &impl ConnectionTrait,
    republish_after: std::time::Duration,
    limit: u64,
) -> Result<Vec<deliveries::Model>, DbErr> {
    let now = db::now();
    let quiet = now - Duration::from_std(republish_after).unwrap_or(Duration::seconds(30));
    deliveries::Entity::find()
        .filter(
            Condition::any()
                .add(
                    deliveries::Column::State
                        .eq(PENDING)
                        .and(deliveries::Column::UpdatedAt.lte(quiet)),
                )
                .add(
                    deliveries::Column::State
                        .eq(RETRY)
                        .and(deliveries::Column::NextAttemptAt.lte(now))
                        .and(
                            Expr::col(deliveries::Column::UpdatedAt)
                                .lt(Expr::col(deliveries::Column::NextAttemptAt))
                                .or(deliveries::Column::UpdatedAt.lte(quiet)),
                        ),
                )
                .add(
                    deliveries::Column::State
                        .eq(SENDING)
                        .and(deliveries::Column::LeaseUntil.lt(now)),
                )
                .add(
                    deliveries::Column::State
                        .eq(UNKNOWN)
                        .and(deliveries::Column::UpdatedAt.lte(quiet)),
                )
                .add(
                    Condition::all()
                        .add(deliveries::Column::State.eq(WAITING))
                        .add(deliveries::Column::UpdatedAt.lte(quiet))
                        .add(nothing_older_in_flight()),
                ),
        )
        .order_by_asc(deliveries::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Marks a delivery as just handled by the reconciler, moving it to `new_state` (with a new
/// error when given, counting one more unknown outcome when `unknown`), if nobody changed it
/// since it was read. Leaving `sending` ends the claim: its holder is fenced off.
pub async fn touch(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
    new_state: &str,
    error: Option<&str>,
    unknown: bool,
) -> Result<bool, DbErr> {
    let now = db::now();
    let mut q = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(now))
        .col_expr(deliveries::Column::State, Expr::value(new_state));
    if unknown {
        q = q.col_expr(
            deliveries::Column::UnknownOutcomes,
            Expr::col(deliveries::Column::UnknownOutcomes).add(1),
        );
    }
    if new_state == RETRY || new_state == PENDING {
        q = q.col_expr(deliveries::Column::NextAttemptAt, Expr::value(now));
    }
    if new_state != SENDING {
        q = q.col_expr(
            deliveries::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    }
    if let Some(error) = error {
        q = q.col_expr(deliveries::Column::LastError, Expr::value(error));
    }
    let res = q
        .filter(deliveries::Column::Id.eq(d.id))
        .filter(deliveries::Column::State.eq(d.state.clone()))
        .filter(deliveries::Column::UpdatedAt.eq(d.updated_at))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Deliveries whose message could not be published (Redis unreachable or paused) are made due
/// for the reconciler's next pass — as if untouched for `republish_after` — rather than after
/// waiting out that interval. `by` picks them: delivery ids, or outbox ids.
pub async fn publish_failed(
    db: &impl ConnectionTrait,
    by: PublishedAs,
    republish_after: std::time::Duration,
) -> Result<(), DbErr> {
    let long_ago = db::now()
        - Duration::from_std(republish_after).unwrap_or(Duration::seconds(30))
        - Duration::seconds(1);
    let q = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(long_ago))
        .filter(deliveries::Column::State.is_in([PENDING, RETRY]));
    let q = match by {
        PublishedAs::Deliveries(ids) => q.filter(deliveries::Column::Id.is_in(ids)),
        PublishedAs::Outbox(ids) => q.filter(deliveries::Column::OutboxId.is_in(ids)),
    };
    q.exec(db).await?;
    Ok(())
}

/// What a failed publish named.
#[derive(Debug, Clone)]
pub enum PublishedAs {
    Deliveries(Vec<Uuid>),
    Outbox(Vec<Uuid>),
}

/// Puts a dead delivery back in the queue (admin retry).
pub async fn revive(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let now = db::now();
    let res = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::State, Expr::value(PENDING))
        .col_expr(deliveries::Column::Attempts, Expr::value(0))
        .col_expr(deliveries::Column::NextAttemptAt, Expr::value(now))
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(now))
        .filter(deliveries::Column::Id.eq(id))
        .filter(deliveries::Column::State.eq(DEAD))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}
