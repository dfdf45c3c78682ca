//! The count after a fault run. The outbox is the record of every transition that committed;
//! each one that concerns the resident must have reached the fake WeChat exactly once (a second
//! copy only after a send that provably went out and whose instance was killed before it could
//! record the answer), in the case's order; every staff delivery must have its inbox row.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    time::Duration,
};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;
use uuid::Uuid;
use zhitongche::applications::workflow::Status;

use crate::chaos::{
    cluster::Cluster, figures::Figures, load::LoadCounts, run::FaultLog, wechat::Sent,
};

/// Deliveries in these states are done with.
pub const FINAL_STATES: [&str; 4] = ["sent", "dead", "skipped_no_consent", "skipped_stale"];

/// A second copy is put down to a kill when the instance that sent the first was killed at
/// most this long after sending it (before it could have recorded the answer).
const KILL_WINDOW: chrono::Duration = chrono::Duration::seconds(30);

/// How a notice shows itself to the test: its status, or for a supplement request the tag in
/// its note.
fn key_of_sent(body: &Value) -> Option<(String, String)> {
    let openid = body["touser"].as_str()?.to_string();
    let status = body["data"]["phrase2"]["value"].as_str()?;
    let key = if status == Status::NeedsSupplement.label() {
        body["data"]["thing4"]["value"].as_str()?.to_string()
    } else {
        status.to_string()
    };
    Some((openid, key))
}

fn key_of_event(row: &entity::outbox::Model) -> Option<String> {
    let status = Status::parse(row.payload["status"].as_str()?)?;
    if row.event_type == "application.request_supplement" {
        let item = row.payload["items"].get(0)?.as_str()?;
        return Some(format!("请补充:{item}"));
    }
    Some(status.label().to_string())
}

fn notifies_resident(row: &entity::outbox::Model) -> bool {
    row.payload["audiences"]
        .as_array()
        .is_some_and(|a| a.iter().any(|v| v == "resident"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// What the count needs of a delivery row.
struct Delivery {
    id: Uuid,
    outbox_id: Uuid,
    channel: String,
    event_type: String,
    state: String,
    attempts: i32,
    unknown_outcomes: i32,
    last_error: Option<String>,
}

pub async fn count(
    cluster: &Cluster,
    load: &LoadCounts,
    faults: &FaultLog,
    load_took: Duration,
    quiet_after: Option<Duration>,
    published: u64,
) -> Figures {
    use entity::{notification_deliveries as deliveries, outbox, residents, staff_notifications};
    let db = &cluster.db;
    let mut f = Figures {
        transitions: load.transitions,
        applied_unanswered: load.applied_unanswered,
        retried_requests: load.retried,
        server_errors: load.server_errors,
        published,
        kills: faults.kills.len(),
        restarts: faults.restarts,
        deletions: faults.deletions,
        pauses: faults.pauses,
        load_took,
        quiet_after,
        timeline: faults
            .timeline
            .iter()
            .map(|(at, fault)| (*at, format!("{fault:?}")))
            .collect(),
        ..Figures::default()
    };
    let events = outbox::Entity::find()
        .filter(outbox::Column::AggregateType.eq("application"))
        .order_by_asc(outbox::Column::AggregateVersion)
        .all(db)
        .await
        .expect("outbox rows");
    // Only the columns every version of the schema has, so a run can count an older build.
    let all: Vec<Delivery> = deliveries::Entity::find()
        .select_only()
        .columns([
            deliveries::Column::Id,
            deliveries::Column::OutboxId,
            deliveries::Column::Channel,
            deliveries::Column::EventType,
            deliveries::Column::State,
            deliveries::Column::Attempts,
            deliveries::Column::UnknownOutcomes,
            deliveries::Column::LastError,
        ])
        .into_tuple::<(Uuid, Uuid, String, String, String, i32, i32, Option<String>)>()
        .all(db)
        .await
        .expect("delivery rows")
        .into_iter()
        .map(
            |(
                id,
                outbox_id,
                channel,
                event_type,
                state,
                attempts,
                unknown_outcomes,
                last_error,
            )| {
                Delivery {
                    id,
                    outbox_id,
                    channel,
                    event_type,
                    state,
                    attempts,
                    unknown_outcomes,
                    last_error,
                }
            },
        )
        .collect();
    let openids: HashMap<Uuid, String> = residents::Entity::find()
        .all(db)
        .await
        .expect("residents")
        .into_iter()
        .map(|r| (r.id, r.openid))
        .collect();
    let inbox: HashSet<Uuid> = staff_notifications::Entity::find()
        .all(db)
        .await
        .expect("inbox rows")
        .into_iter()
        .map(|n| n.delivery_id)
        .collect();

    // What every resident should have got, in order.
    let mut expected: BTreeMap<String, Vec<(String, &entity::outbox::Model)>> = BTreeMap::new();
    let committed: HashSet<(Uuid, i32)> = events
        .iter()
        .filter(|e| notifies_resident(e))
        .map(|e| (e.aggregate_id, e.aggregate_version))
        .collect();
    for e in events.iter().filter(|e| notifies_resident(e)) {
        let openid = e.payload["resident_id"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .and_then(|id| openids.get(&id).cloned());
        if let (Some(openid), Some(key)) = (openid, key_of_event(e)) {
            expected.entry(openid).or_default().push((key, e));
        }
    }
    f.notices = expected.values().map(Vec::len).sum();
    f.missing_outbox = load
        .resident_versions
        .iter()
        .filter(|v| !committed.contains(v))
        .count();

    let mut sent = cluster.wechat.sent();
    sent.sort_by_key(|s| s.at);
    f.received = sent.len();
    let mut copies: HashMap<(String, String), Vec<&Sent>> = HashMap::new();
    for s in &sent {
        match key_of_sent(&s.body) {
            Some(k) => copies.entry(k).or_default().push(s),
            None => f.unexpected += 1,
        }
    }
    let known: HashSet<(String, String)> = expected
        .iter()
        .flat_map(|(o, ks)| ks.iter().map(move |(k, _)| (o.clone(), k.clone())))
        .collect();
    f.unexpected += copies.keys().filter(|k| !known.contains(*k)).count();

    let wechat_delivery = |event: Uuid| {
        all.iter()
            .find(|d| d.outbox_id == event && d.channel == "wechat")
    };
    let mut latencies = Vec::new();
    for (openid, notices) in &expected {
        let mut last_position = None;
        let mut arrivals: Vec<(DateTime<Utc>, usize)> = Vec::new();
        for (position, (key, event)) in notices.iter().enumerate() {
            let got = copies
                .get(&(openid.clone(), key.clone()))
                .cloned()
                .unwrap_or_default();
            let delivery = wechat_delivery(event.id);
            let Some(first) = got.first() else {
                f.lost += 1;
                f.details.push(format!(
                    "lost: {openid} {key} (v{}): {}",
                    event.aggregate_version,
                    delivery.map_or("no delivery row".into(), |d| format!(
                        "{} attempts {} unknown {} error {:?}",
                        d.state, d.attempts, d.unknown_outcomes, d.last_error
                    ))
                ));
                continue;
            };
            let latency = (first.at - event.created_at).num_milliseconds() as f64 / 1000.0;
            latencies.push(latency);
            f.slowest.push((
                latency,
                event.created_at,
                first.at,
                format!("{openid} {key} (v{})", event.aggregate_version),
            ));
            arrivals.push((first.at, position));
            for later in got.iter().skip(1) {
                let killed_mid_send = killed_after(faults, &first.instance, first.at);
                let unknown = delivery.is_some_and(|d| d.unknown_outcomes > 0);
                if killed_mid_send && unknown && got.len() == 2 {
                    f.duplicates_explained += 1;
                } else {
                    f.duplicates_unexplained += 1;
                    f.details.push(format!(
                        "duplicate: {openid} {key} first from {} at {}, again from {} at {} (unknown outcomes {})",
                        first.instance,
                        first.at,
                        later.instance,
                        later.at,
                        delivery.map_or(-1, |d| d.unknown_outcomes)
                    ));
                }
            }
        }
        arrivals.sort();
        for (_, position) in arrivals {
            if last_position.is_some_and(|p| position < p) {
                f.out_of_order += 1;
                f.details
                    .push(format!("out of order: {openid} notice #{position}"));
            }
            last_position = Some(position);
        }
    }
    latencies.sort_by(f64::total_cmp);
    f.slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    f.slowest.truncate(20);
    f.latency_p50 = percentile(&latencies, 0.5);
    f.latency_p99 = percentile(&latencies, 0.99);
    f.latency_max = latencies.last().copied().unwrap_or(f64::NAN);

    for d in &all {
        if d.channel == "staff" {
            f.staff_deliveries += 1;
            if !inbox.contains(&d.id) {
                f.staff_missing += 1;
                f.details.push(format!(
                    "staff inbox row missing: delivery {} {} ({}, error {:?})",
                    d.id, d.event_type, d.state, d.last_error
                ));
            }
        }
        if !FINAL_STATES.contains(&d.state.as_str()) {
            *f.not_done.entry(d.state.clone()).or_default() += 1;
        }
        if d.state == "dead" {
            *f.dead.entry(d.channel.clone()).or_default() += 1;
        }
    }
    f
}

/// Whether `instance` was killed within the window after `at`.
fn killed_after(faults: &FaultLog, instance: &str, at: DateTime<Utc>) -> bool {
    faults
        .kills
        .iter()
        .any(|(name, when)| name == instance && *when >= at && *when - at <= KILL_WINDOW)
}
