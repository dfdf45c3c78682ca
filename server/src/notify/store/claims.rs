//! Claiming a delivery, fenced by its attempt count: only the current holder records an
//! outcome, marks a send as started, or renews its lease.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use uuid::Uuid;

use entity::notification_deliveries as deliveries;

use crate::db;

use super::*;

/// Due deliveries, and ones whose holder's lease ran out before it could have sent anything: a
/// staff notice (writing its inbox row twice is harmless), or a WeChat notice without the mark
/// of a send about to leave. A WeChat notice whose holder vanished after the mark may have
/// reached the resident: only the reconciler takes that over, as an unknown outcome.
pub(crate) fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            deliveries::Column::State
                .is_in([PENDING, RETRY])
                .and(deliveries::Column::NextAttemptAt.lte(now)),
        )
        .add(
            deliveries::Column::State
                .eq(SENDING)
                .and(deliveries::Column::LeaseUntil.lt(now))
                .and(
                    deliveries::Column::Channel
                        .ne(WECHAT)
                        .or(deliveries::Column::SendStartedAt.is_null()),
                ),
        )
}

/// The deliveries of one outbox event on one channel that are due now.
pub async fn due_for_outbox(
    db: &impl ConnectionTrait,
    outbox_id: Uuid,
    channel: &str,
) -> Result<Vec<deliveries::Model>, DbErr> {
    deliveries::Entity::find()
        .filter(deliveries::Column::OutboxId.eq(outbox_id))
        .filter(deliveries::Column::Channel.eq(channel))
        .filter(claimable(db::now()))
        .order_by_asc(deliveries::Column::Id)
        .all(db)
        .await
}

/// Takes a delivery for sending: only one caller wins, and only while it is due (or its
/// previous holder's lease has run out).
pub async fn claim(
    db: &impl ConnectionTrait,
    id: Uuid,
    lease: std::time::Duration,
) -> Result<Option<deliveries::Model>, DbErr> {
    let now = db::now();
    let res = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::State, Expr::value(SENDING))
        .col_expr(
            deliveries::Column::LeaseUntil,
            Expr::value(lease_end(now, lease)),
        )
        .col_expr(
            deliveries::Column::SendStartedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            deliveries::Column::Attempts,
            Expr::col(deliveries::Column::Attempts).add(1),
        )
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(now))
        .filter(deliveries::Column::Id.eq(id))
        .filter(claimable(now))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    find(db, id).await
}

/// Only the claim that `d` came from: still `sending` and not claimed again since (every claim
/// increments `attempts`, which serves as the fencing token). A holder whose lease ran out
/// cannot overwrite the next holder's row.
pub(crate) fn held(d: &deliveries::Model) -> Condition {
    Condition::all()
        .add(deliveries::Column::Id.eq(d.id))
        .add(deliveries::Column::State.eq(SENDING))
        .add(deliveries::Column::Attempts.eq(d.attempts))
}

/// Records the outcome of the claim `d` came from; `false` when that claim is no longer held.
pub async fn record(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
    outcome: &Outcome,
) -> Result<bool, DbErr> {
    let now = db::now();
    let mut q = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::State, Expr::value(outcome.state()))
        .col_expr(
            deliveries::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(now));
    match outcome {
        Outcome::Sent { provider_msg_id } => {
            q = q
                .col_expr(deliveries::Column::SentAt, Expr::value(now))
                .col_expr(
                    deliveries::Column::ProviderMsgId,
                    Expr::value(provider_msg_id.clone()),
                );
        }
        Outcome::Retry { error, at } => {
            q = q
                .col_expr(deliveries::Column::LastError, Expr::value(error.clone()))
                .col_expr(deliveries::Column::NextAttemptAt, Expr::value(*at));
        }
        Outcome::Unknown { error } => {
            q = q
                .col_expr(deliveries::Column::LastError, Expr::value(error.clone()))
                .col_expr(
                    deliveries::Column::UnknownOutcomes,
                    Expr::col(deliveries::Column::UnknownOutcomes).add(1),
                );
        }
        Outcome::Dead { error } => {
            q = q.col_expr(deliveries::Column::LastError, Expr::value(error.clone()));
        }
        Outcome::SkippedNoConsent { reason } => {
            q = q.col_expr(deliveries::Column::LastError, Expr::value(reason.clone()));
        }
        Outcome::SkippedStale => {}
    }
    let res = q.filter(held(d)).exec(db).await?;
    Ok(res.rows_affected == 1)
}

/// Notes that the claim `d` came from spent a credit; `false` when that claim is no longer held.
pub async fn mark_credit_consumed(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
) -> Result<bool, DbErr> {
    let res = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::CreditConsumed, Expr::value(true))
        .filter(held(d))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Notes durably that the send of the claim `d` came from is about to leave — the last write
/// before the request — and renews the claim's lease. `false` when the claim is no longer held
/// or has run out: then nothing may be sent. A holder that vanishes after this may have sent;
/// one that vanishes before it cannot have.
pub async fn mark_send_started(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
    lease: std::time::Duration,
) -> Result<bool, DbErr> {
    let now = db::now();
    let res = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::SendStartedAt, Expr::value(now))
        .col_expr(
            deliveries::Column::LeaseUntil,
            Expr::value(lease_end(now, lease)),
        )
        // A reconciler that read the row before this sees it changed and leaves it alone.
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(now))
        .filter(held(d))
        .filter(deliveries::Column::LeaseUntil.gt(now))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Extends the lease of the claim `d` came from while its holder works on it; `false` when
/// the claim is no longer held or has already run out (then it is someone else's to take).
pub async fn renew(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
    lease: std::time::Duration,
) -> Result<bool, DbErr> {
    let now = db::now();
    let res = deliveries::Entity::update_many()
        .col_expr(
            deliveries::Column::LeaseUntil,
            Expr::value(lease_end(now, lease)),
        )
        .filter(held(d))
        .filter(deliveries::Column::LeaseUntil.gt(now))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub(crate) fn lease_end(now: DateTime<Utc>, lease: std::time::Duration) -> DateTime<Utc> {
    now + Duration::from_std(lease).unwrap_or(Duration::minutes(2))
}
