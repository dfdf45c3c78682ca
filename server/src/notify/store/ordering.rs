//! Per-case order: a recipient's cursor per case, notices waiting behind an older one and
//! handed on by it, claims put back unsent.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, TryInsertResult,
    sea_query::{Alias, Expr, Query},
};
use uuid::Uuid;

use entity::{notification_cursors, notification_deliveries as deliveries};

use crate::db;

use super::*;

/// Moves the recipient's cursor for a case forward to `version`. `false` means a newer status
/// already went out, so this one must not.
pub async fn advance_cursor(
    db: &impl ConnectionTrait,
    key: &str,
    version: i32,
) -> Result<bool, DbErr> {
    let now = db::now();
    let inserted = notification_cursors::Entity::insert(notification_cursors::ActiveModel {
        key: Set(key.to_string()),
        last_version: Set(version),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([notification_cursors::Column::Key])
    .exec(db)
    .await?;
    if matches!(inserted, TryInsertResult::Inserted(_)) {
        return Ok(true);
    }
    let res = notification_cursors::Entity::update_many()
        .col_expr(
            notification_cursors::Column::LastVersion,
            Expr::value(version),
        )
        .col_expr(notification_cursors::Column::UpdatedAt, Expr::value(now))
        .filter(notification_cursors::Column::Key.eq(key))
        .filter(notification_cursors::Column::LastVersion.lte(version))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Whether an earlier notice of the same case to the same recipient on the same channel is
/// still on its way; this one must wait for it.
pub async fn earlier_in_flight(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
) -> Result<bool, DbErr> {
    let Some(app) = d.application_id else {
        return Ok(false);
    };
    Ok(deliveries::Entity::find()
        .filter(deliveries::Column::ApplicationId.eq(app))
        .filter(deliveries::Column::Channel.eq(d.channel.clone()))
        .filter(deliveries::Column::RecipientId.eq(d.recipient_id))
        .filter(deliveries::Column::AggregateVersion.lt(d.aggregate_version))
        .filter(deliveries::Column::State.is_in(IN_FLIGHT))
        .one(db)
        .await?
        .is_some())
}

/// Gives back a claim on which nothing was sent (not counted as an attempt): `state` is
/// `RETRY` (due at `until`) or `WAITING` (behind an older notice, until that one hands on).
/// `updated_at` is set just before `until`, so the reconciler publishes a retry once it is due.
pub async fn put_back(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
    state: &str,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::State, Expr::value(state))
        .col_expr(deliveries::Column::NextAttemptAt, Expr::value(until))
        .col_expr(
            deliveries::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            deliveries::Column::SendStartedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            deliveries::Column::Attempts,
            Expr::col(deliveries::Column::Attempts).sub(1),
        )
        .col_expr(
            deliveries::Column::UpdatedAt,
            Expr::value(until - Duration::milliseconds(1)),
        )
        .filter(held(d))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Puts a claimed delivery back to be tried again at `until` (not counted as an attempt).
pub async fn defer(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
    until: DateTime<Utc>,
) -> Result<(), DbErr> {
    put_back(db, d, RETRY, until).await.map(|_| ())
}

/// Makes a waiting delivery due now; `false` when it was not waiting (any more).
pub async fn release(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let now = db::now();
    let res = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::State, Expr::value(PENDING))
        .col_expr(deliveries::Column::NextAttemptAt, Expr::value(now))
        .col_expr(deliveries::Column::UpdatedAt, Expr::value(now))
        .filter(deliveries::Column::Id.eq(id))
        .filter(deliveries::Column::State.eq(WAITING))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The next notice of the same case and recipient behind `d` that is still to go, if any.
pub async fn next_in_line(
    db: &impl ConnectionTrait,
    d: &deliveries::Model,
) -> Result<Option<deliveries::Model>, DbErr> {
    let Some(app) = d.application_id else {
        return Ok(None);
    };
    deliveries::Entity::find()
        .filter(deliveries::Column::ApplicationId.eq(app))
        .filter(deliveries::Column::Channel.eq(d.channel.clone()))
        .filter(deliveries::Column::RecipientId.eq(d.recipient_id))
        .filter(deliveries::Column::AggregateVersion.gt(d.aggregate_version))
        .filter(deliveries::Column::State.is_in([PENDING, WAITING, RETRY]))
        .order_by_asc(deliveries::Column::AggregateVersion)
        .one(db)
        .await
}

/// No older notice of the same case, channel and recipient is still on its way: the condition
/// under which a waiting delivery may go (a correlated `NOT EXISTS`).
pub(crate) fn nothing_older_in_flight() -> Condition {
    let older = Alias::new("older");
    let col = |c: deliveries::Column| Expr::col((older.clone(), c));
    let outer = |c: deliveries::Column| Expr::col((deliveries::Entity, c));
    let sub = Query::select()
        .expr(Expr::val(1))
        .from_as(deliveries::Entity, older.clone())
        .and_where(
            col(deliveries::Column::ApplicationId).eq(outer(deliveries::Column::ApplicationId)),
        )
        .and_where(col(deliveries::Column::Channel).eq(outer(deliveries::Column::Channel)))
        .and_where(col(deliveries::Column::RecipientId).eq(outer(deliveries::Column::RecipientId)))
        .and_where(
            col(deliveries::Column::AggregateVersion)
                .lt(outer(deliveries::Column::AggregateVersion)),
        )
        .and_where(col(deliveries::Column::State).is_in(IN_FLIGHT))
        .to_owned();
    Condition::all().add(Expr::exists(sub).not())
}
