//! Delivery rows and their state changes. Every change that matters is conditional, so two
//! consumers (or a consumer and the reconciler) can never both act on one delivery.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult,
    sea_query::{Alias, Expr, Query},
};
use uuid::Uuid;

use entity::{notification_cursors, notification_deliveries as deliveries, subscription_credits};

use crate::db;

pub const PENDING: &str = "pending";
/// Behind an older notice of the same case and recipient; the older one's completion hands on.
pub const WAITING: &str = "waiting";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const RETRY: &str = "retry";
pub const UNKNOWN: &str = "unknown";
pub const DEAD: &str = "dead";
pub const SKIPPED_NO_CONSENT: &str = "skipped_no_consent";
pub const SKIPPED_STALE: &str = "skipped_stale";

pub const WECHAT: &str = "wechat";
pub const STAFF: &str = "staff";

/// States of a delivery still on its way (a newer notice of the case waits for these).
pub const IN_FLIGHT: [&str; 5] = [PENDING, WAITING, RETRY, SENDING, UNKNOWN];

#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub outbox_id: Uuid,
    pub application_id: Option<Uuid>,
    pub aggregate_version: i32,
    pub event_type: String,
    pub channel: &'static str,
    pub recipient_kind: &'static str,
    pub recipient_id: Uuid,
}

/// Inserts deliveries; ones that already exist (same event, channel, recipient) are left alone.
pub async fn insert_all(db: &impl ConnectionTrait, rows: Vec<NewDelivery>) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let now = db::now();
    let models = rows.into_iter().map(|r| deliveries::ActiveModel {
        id: Set(Uuid::now_v7()),
        idempotency_key: Set(format!("{}:{}:{}", r.outbox_id, r.channel, r.recipient_id)),
        outbox_id: Set(r.outbox_id),
        application_id: Set(r.application_id),
        aggregate_version: Set(r.aggregate_version),
        event_type: Set(r.event_type),
        channel: Set(r.channel.into()),
        recipient_kind: Set(r.recipient_kind.into()),
        recipient_id: Set(r.recipient_id),
        state: Set(PENDING.into()),
        attempts: Set(0),
        unknown_outcomes: Set(0),
        credit_consumed: Set(false),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        send_started_at: Set(None),
        provider_msg_id: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(None),
        confirmed_at: Set(None),
    });
    deliveries::Entity::insert_many(models)
        .on_conflict_do_nothing_on([deliveries::Column::IdempotencyKey])
        .exec(db)
        .await?;
    Ok(())
}

/// Due deliveries, and ones whose holder's lease ran out before it could have sent anything: a
/// staff notice (writing its inbox row twice is harmless), or a WeChat notice without the mark
/// of a send about to leave. A WeChat notice whose holder vanished after the mark may have
/// reached the resident: only the reconciler takes that over, as an unknown outcome.
fn claimable(now: DateTime<Utc>) -> Condition {
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

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<deliveries::Model>, DbErr> {
    deliveries::Entity::find_by_id(id).one(db).await
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

/// The outcome of a send, recorded only by the holder of the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent { provider_msg_id: Option<String> },
    Retry { error: String, at: DateTime<Utc> },
    Unknown { error: String },
    Dead { error: String },
    SkippedNoConsent { reason: String },
    SkippedStale,
}

impl Outcome {
    pub fn state(&self) -> &'static str {
        match self {
            Outcome::Sent { .. } => SENT,
            Outcome::Retry { .. } => RETRY,
            Outcome::Unknown { .. } => UNKNOWN,
            Outcome::Dead { .. } => DEAD,
            Outcome::SkippedNoConsent { .. } => SKIPPED_NO_CONSENT,
            Outcome::SkippedStale => SKIPPED_STALE,
        }
    }
}

/// Only the claim that `d` came from: still `sending` and not claimed again since (every claim
/// increments `attempts`, which serves as the fencing token). A holder whose lease ran out
/// cannot overwrite the next holder's row.
fn held(d: &deliveries::Model) -> Condition {
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

fn lease_end(now: DateTime<Utc>, lease: std::time::Duration) -> DateTime<Utc> {
    now + Duration::from_std(lease).unwrap_or(Duration::minutes(2))
}

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
fn nothing_older_in_flight() -> Condition {
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

/// Spends one of the resident's one-time credits for a template.
pub async fn spend_credit(
    db: &impl ConnectionTrait,
    resident_id: Uuid,
    template_id: &str,
) -> Result<bool, DbErr> {
    let res = subscription_credits::Entity::update_many()
        .col_expr(
            subscription_credits::Column::Credits,
            Expr::col(subscription_credits::Column::Credits).sub(1),
        )
        .col_expr(
            subscription_credits::Column::UpdatedAt,
            Expr::value(db::now()),
        )
        .filter(subscription_credits::Column::ResidentId.eq(resident_id))
        .filter(subscription_credits::Column::TemplateId.eq(template_id))
        .filter(subscription_credits::Column::Credits.gt(0))
        .filter(subscription_credits::Column::Banned.eq(false))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Adds (`add > 0`, capped at `max`) or clears (`ban`) a resident's credits for a template.
/// Each change is one relative `UPDATE`, so concurrent taps are all counted.
pub async fn change_credits(
    db: &impl ConnectionTrait,
    resident_id: Uuid,
    template_id: &str,
    add: i32,
    ban: bool,
    max: i32,
) -> Result<(), DbErr> {
    let now = db::now();
    subscription_credits::Entity::insert(subscription_credits::ActiveModel {
        id: Set(Uuid::now_v7()),
        resident_id: Set(resident_id),
        template_id: Set(template_id.into()),
        credits: Set(0),
        banned: Set(false),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([
        subscription_credits::Column::ResidentId,
        subscription_credits::Column::TemplateId,
    ])
    .exec(db)
    .await?;
    let update = subscription_credits::Entity::update_many()
        .col_expr(subscription_credits::Column::UpdatedAt, Expr::value(now))
        .filter(subscription_credits::Column::ResidentId.eq(resident_id))
        .filter(subscription_credits::Column::TemplateId.eq(template_id));
    if ban {
        update
            .col_expr(subscription_credits::Column::Credits, Expr::value(0))
            .col_expr(subscription_credits::Column::Banned, Expr::value(true))
            .exec(db)
            .await?;
    } else if add > 0 {
        let added = Expr::col(subscription_credits::Column::Credits).add(add);
        update
            .col_expr(
                subscription_credits::Column::Credits,
                Expr::case(added.clone().gt(max), max).finally(added).into(),
            )
            .col_expr(subscription_credits::Column::Banned, Expr::value(false))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Sets a resident's credits for a template to zero (WeChat reported none left).
pub async fn clear_credits(
    db: &impl ConnectionTrait,
    resident_id: Uuid,
    template_id: &str,
) -> Result<(), DbErr> {
    subscription_credits::Entity::update_many()
        .col_expr(subscription_credits::Column::Credits, Expr::value(0))
        .col_expr(
            subscription_credits::Column::UpdatedAt,
            Expr::value(db::now()),
        )
        .filter(subscription_credits::Column::ResidentId.eq(resident_id))
        .filter(subscription_credits::Column::TemplateId.eq(template_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn credits_of(
    db: &impl ConnectionTrait,
    resident_id: Uuid,
) -> Result<Vec<subscription_credits::Model>, DbErr> {
    subscription_credits::Entity::find()
        .filter(subscription_credits::Column::ResidentId.eq(resident_id))
        .all(db)
        .await
}
