//! A delivery's states and channels, creating deliveries, and what a send came to.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use entity::notification_deliveries as deliveries;

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

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<deliveries::Model>, DbErr> {
    deliveries::Entity::find_by_id(id).one(db).await
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

/// Unknown outcomes a delivery may have: the first is retried, the second dead-letters it.
pub const MAX_UNKNOWN_OUTCOMES: i32 = 2;
/// Marks the error of a send already retried once after an unknown outcome.
pub const UNKNOWN_RETRIED: &str = "outcome unknown; retried once";
