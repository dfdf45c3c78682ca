//! The missed-visit scanner: for each person whose next alert has come, marks the visit due
//! soon, due and overdue (the assigned worker is told — once, of the highest level reached),
//! then tells the street after a delay and the district after another, counted in working
//! days; each level once per due day, each with its timeline entry and notice. On PostgreSQL
//! one instance scans at a time.

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::{
    applications::store::try_scan_lock,
    care::{domain, store},
    db,
    outbox::{self, Notice, OutboxEvent},
    state::AppState,
};

const BATCH: u64 = 500;
/// Key of the scanner's transaction-scoped advisory lock on PostgreSQL.
const SCANNER_LOCK: i64 = 7291170012;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    /// Levels reached, and notices written (a late scan reaches several levels, tells once).
    pub levels: usize,
    pub notices: usize,
    /// Another instance held the scanner lock.
    pub skipped: bool,
}

/// One pass at `now`, in batches until nothing is due.
pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> Result<ScanReport, DbErr> {
    let mut report = ScanReport::default();
    loop {
        let txn = db::begin(&state.db).await?;
        if !try_scan_lock(&txn, SCANNER_LOCK).await? {
            report.skipped = true;
            return Ok(report);
        }
        let cal = crate::calendar::store::load(&txn).await?;
        let due = store::due_alerts(&txn, now, BATCH).await?;
        let full = due.len() as u64 == BATCH;
        for person in due {
            let marks = domain::marks(&cal, person.visit_due_on, &state.settings.care);
            let fired = domain::rungs_to_fire(&marks, person.visit_level, now);
            let level = fired.last().map_or(person.visit_level, |(r, _)| r.level);
            let next = domain::next_alert(&cal, person.visit_due_on, level, &state.settings.care);
            // Conditional on the level and due day read: a visit recorded meanwhile wins.
            if !store::set_alert(&txn, &person, level, next).await? {
                continue;
            }
            for (rung, tell) in fired {
                report.levels += 1;
                let data =
                    json!({ "level": rung.level, "due_on": person.visit_due_on, "notified": tell });
                store::record(
                    &txn,
                    store::event(
                        person.id,
                        &store::Actor::system(),
                        rung.action,
                        Some(rung.note.into()),
                        Some(data),
                    ),
                )
                .await?;
                if !tell {
                    continue;
                }
                let notice = Notice {
                    person_id: Some(person.id),
                    assignee_id: person.worker_id,
                    community_id: Some(person.community_id),
                    jurisdiction_path: Some(person.jurisdiction_path.clone()),
                    visit_due_on: Some(person.visit_due_on),
                    escalation_level: Some(rung.level),
                    note: Some(format!("{} · 应于 {} 走访", rung.note, person.visit_due_on)),
                    ..Notice::to(&[rung.audience])
                };
                outbox::enqueue(
                    &txn,
                    OutboxEvent {
                        aggregate_type: "care_person",
                        aggregate_id: person.id,
                        aggregate_version: person.version,
                        event_type: format!("care.{}", rung.event),
                        notice,
                    },
                )
                .await?;
                report.notices += 1;
            }
        }
        txn.commit().await?;
        if !full {
            break;
        }
    }
    if report.notices > 0 {
        state.notifier.wake();
    }
    Ok(report)
}

pub async fn run_until_stopped(state: AppState, stop: CancellationToken) {
    loop {
        match run_once(&state, db::now()).await {
            Ok(r) if r.notices > 0 => tracing::info!(
                levels = r.levels,
                notices = r.notices,
                "missed-visit scan sent alerts"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "missed-visit scan failed"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(state.settings.care.scan_every) => {}
        }
    }
}
