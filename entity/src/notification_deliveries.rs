use sea_orm::entity::prelude::*;

/// One notification to one recipient over one channel. The idempotency key makes a delivery
/// unique however often its event is published; `state` records what happened to it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub outbox_id: Uuid,
    pub application_id: Option<Uuid>,
    pub aggregate_version: i32,
    pub event_type: String,
    /// `wechat` or `staff`.
    pub channel: String,
    /// `resident` or `staff`.
    pub recipient_kind: String,
    pub recipient_id: Uuid,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    /// `pending`, `waiting` (behind an older notice of the same case), `sending`, `sent`, `retry`,
    /// `unknown`, `dead`, `skipped_no_consent`, `skipped_stale`.
    pub state: String,
    /// Claims so far; also the fencing token of the current claim.
    pub attempts: i32,
    /// Sends whose outcome was unknown (timed out, or the consumer stopped mid-send). Never
    /// cleared: the first is retried once, a second dead-letters the delivery.
    pub unknown_outcomes: i32,
    /// A one-time WeChat subscription credit was spent on this delivery (not spent again on retry).
    pub credit_consumed: bool,
    pub next_attempt_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    /// The current claim's send is about to leave or has left (set right before the request,
    /// cleared by the next claim). A holder that vanished without it cannot have sent.
    pub send_started_at: Option<DateTimeUtc>,
    pub provider_msg_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// WeChat confirmed the push (`subscribe_msg_sent_event`).
    pub confirmed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
