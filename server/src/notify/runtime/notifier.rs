//! The pipeline's per-instance parts: its transport, the live hub, its consumer name, the
//! relay's wake-up signal and its metrics.

use std::sync::Arc;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};
use tokio::sync::Notify;

use entity::notification_deliveries as deliveries;

use crate::{
    kv::Redis,
    notify::{hub::Hub, store::Outcome, templates::Templates, transport::Transport},
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub channel: String,
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GroupLabels {
    pub group: String,
}

pub struct NotifyMetrics {
    pub outcomes: Family<OutcomeLabels, Counter>,
    pub send_latency: Histogram,
    pub outbox_backlog: Gauge,
    pub dead_letters: Gauge,
    pub stream_lag: Family<GroupLabels, Gauge>,
    pub stream_pending: Family<GroupLabels, Gauge>,
}

impl NotifyMetrics {
    pub fn register(registry: &mut Registry) -> NotifyMetrics {
        let m = NotifyMetrics {
            outcomes: Family::default(),
            send_latency: Histogram::new([
                0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
            ]),
            outbox_backlog: Gauge::default(),
            dead_letters: Gauge::default(),
            stream_lag: Family::default(),
            stream_pending: Family::default(),
        };
        registry.register(
            "notify_deliveries",
            "Delivery outcomes by channel and state",
            m.outcomes.clone(),
        );
        registry.register(
            "notify_send_latency_seconds",
            "From the event's commit to a successful send",
            m.send_latency.clone(),
        );
        registry.register(
            "notify_outbox_backlog",
            "Outbox rows not yet published",
            m.outbox_backlog.clone(),
        );
        registry.register(
            "notify_dead_letters",
            "Deliveries given up on",
            m.dead_letters.clone(),
        );
        registry.register(
            "notify_stream_lag",
            "Stream entries not yet read by each group",
            m.stream_lag.clone(),
        );
        registry.register(
            "notify_stream_pending",
            "Stream entries read but not acknowledged, by group",
            m.stream_pending.clone(),
        );
        m
    }
}

pub struct Notifier {
    pub transport: Transport,
    pub hub: Hub,
    /// Unique per instance: `{host}-{pid}-{random}`.
    pub consumer_name: String,
    /// Wakes the relay right after a commit instead of waiting for its next poll.
    pub nudge: Arc<Notify>,
    /// Wakes the reconciler when a consumer finds the stream lost.
    pub lost: Arc<Notify>,
    pub metrics: NotifyMetrics,
    /// Subscribe-message templates by event type.
    pub templates: Templates,
}

impl Notifier {
    pub fn new(
        redis: Option<Redis>,
        maxlen: usize,
        templates: Templates,
        registry: &mut Registry,
    ) -> Notifier {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "ztc".into());
        Notifier {
            transport: Transport::new(redis, maxlen),
            hub: Hub::new(),
            consumer_name: format!(
                "{host}-{}-{}",
                std::process::id(),
                hex::encode(crate::config::random_bytes::<3>())
            ),
            nudge: Arc::new(Notify::new()),
            lost: Arc::new(Notify::new()),
            metrics: NotifyMetrics::register(registry),
            templates,
        }
    }

    /// Asks the relay to look at the outbox now.
    pub fn wake(&self) {
        self.nudge.notify_one();
    }

    /// The stream lost what it held (Redis restarted empty, the key was deleted): the reconciler
    /// re-publishes every delivery on its way now, not once its message looks lost.
    pub fn stream_lost(&self) {
        self.lost.notify_one();
    }

    /// Counts an outcome; a send also records how long after its event's commit it went out.
    pub fn observe(&self, d: &deliveries::Model, outcome: &Outcome) {
        self.metrics
            .outcomes
            .get_or_create(&OutcomeLabels {
                channel: d.channel.clone(),
                state: outcome.state().into(),
            })
            .inc();
        if matches!(outcome, Outcome::Sent { .. }) {
            self.metrics.send_latency.observe(since(committed_at(d)));
        }
    }
}

/// When the delivery's event was committed. Its outbox id is a UUIDv7 minted with the outbox row,
/// inside the change's transaction, so it carries that time (to the millisecond) without a
/// query. The delivery row itself is only created later, by the relay.
fn committed_at(d: &deliveries::Model) -> chrono::DateTime<chrono::Utc> {
    d.outbox_id
        .get_timestamp()
        .and_then(|t| {
            let (secs, nanos) = t.to_unix();
            chrono::DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)
        })
        .unwrap_or(d.created_at)
}

/// Seconds from the event's commit to now, for the send-latency metric.
pub fn since(created: chrono::DateTime<chrono::Utc>) -> f64 {
    (chrono::Utc::now() - created).num_milliseconds().max(0) as f64 / 1000.0
}
