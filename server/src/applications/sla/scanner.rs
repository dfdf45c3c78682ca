//! The deadline scanner: marks cases at 80 % of their stage's limit (`at_risk`, the
//! caseworker is reminded), at the deadline (催办 to the street) and five working days later
//! (督办 to the district), once per level, each with its timeline entry and notice. On
//! PostgreSQL one instance scans at a time.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::{
    applications::{
        events::{EventActor, NewEvent},
        notices::{self, CaseNames},
        store,
        views::Lookup,
    },
    db,
    outbox::Audience,
    state::AppState,
};

use super::SlaState;

pub const SCAN_EVERY: StdDuration = StdDuration::from_secs(60);
const BATCH: u64 = 200;
/// Key of the scanner's transaction-scoped advisory lock on PostgreSQL.
const SCANNER_LOCK: i64 = 7291170002;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    pub at_risk: usize,
    pub urged: usize,
    pub supervised: usize,
    /// Another instance held the scanner lock.
    pub skipped: bool,
}

/// One rung of the ladder: the level it reaches, its state, event, note and audience.
struct Step {
    level: i32,
    sla: SlaState,
    event: &'static str,
    note: &'static str,
    audience: Audience,
}

const LADDER: [Step; 3] = [
    Step {
        level: 1,
        sla: SlaState::AtRisk,
        event: "sla_at_risk",
        note: "临近办理时限",
        audience: Audience::Caseworkers,
    },
    Step {
        level: 2,
        sla: SlaState::Breached,
        event: "urged",
        note: "已超过办理时限,催办",
        audience: Audience::Street,
    },
    Step {
        level: 3,
        sla: SlaState::Breached,
        event: "supervised",
        note: "超时 5 个工作日,督办",
        audience: Audience::District,
    },
];

/// One pass of the scanner at `now`. On PostgreSQL it runs under a transaction-scoped advisory
/// lock, so with several instances only one scans at a time.
pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> Result<ScanReport, DbErr> {
    let txn = db::begin(&state.db).await?;
    if !store::try_scan_lock(&txn, SCANNER_LOCK).await? {
        return Ok(ScanReport {
            skipped: true,
            ..ScanReport::default()
        });
    }
    let due = store::due_for_escalation(&txn, now, BATCH).await?;
    let lookup = Lookup::load(&txn, &due).await?;
    let mut report = ScanReport::default();
    for app in due {
        let mut level = app.escalation_level;
        let mut current = app.clone();
        let marks = [app.at_risk_at, app.deadline_at, app.supervise_at];
        for (step, at) in LADDER.iter().zip(marks) {
            if level >= step.level || at.is_none_or(|t| t > now) {
                continue;
            }
            // Conditional on the level and stage we read: a concurrent transition wins.
            let sla = step.sla.as_str();
            if !store::escalate(&txn, &app, level, step.level, sla).await? {
                break;
            }
            level = step.level;
            current.escalation_level = step.level;
            current.sla_state = sla.into();
            NewEvent::internal(&app, EventActor::system(), step.event)
                .note(Some(step.note.into()), false)
                .data(json!({ "level": step.level, "deadline_at": app.deadline_at }))
                .record(&txn)
                .await?;
            let names = CaseNames {
                assistance_type: lookup.kind(&app.assistance_type).name,
                community: lookup.community(&app).name,
            };
            let mut notice = notices::about(&current, &names, &[step.audience]);
            notice.escalation_level = Some(step.level);
            notice.deadline_at = app.deadline_at;
            notices::enqueue(&txn, &current, step.event, notice).await?;
            match step.level {
                1 => report.at_risk += 1,
                2 => report.urged += 1,
                _ => report.supervised += 1,
            }
        }
    }
    txn.commit().await?;
    if report.at_risk + report.urged + report.supervised > 0 {
        state.notifier.wake();
    }
    Ok(report)
}

pub async fn run_until_stopped(state: AppState, stop: CancellationToken) {
    loop {
        match run_once(&state, db::now()).await {
            Ok(r) if r.at_risk + r.urged + r.supervised > 0 => {
                tracing::info!(
                    at_risk = r.at_risk,
                    urged = r.urged,
                    supervised = r.supervised,
                    "deadline scan escalated cases"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "deadline scan failed"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(SCAN_EVERY) => {}
        }
    }
}
