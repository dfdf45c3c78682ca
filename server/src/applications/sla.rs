//! Time limits of a case: each stage's deadline from the catalogue in working days, the
//! 80 % at-risk mark, pauses while waiting for the resident, and the background scanner that
//! escalates once per level (remind → 催办 street → 督办 district), once across instances.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait,
    QueryFilter, QuerySelect, sea_query::Expr,
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use entity::{applications, assistance_types};

use crate::{
    applications::{
        events::{self, Audience, NewEvent},
        workflow::Status,
    },
    calendar::{self, WorkCalendar},
    db,
    state::AppState,
};

pub const SCAN_EVERY: StdDuration = StdDuration::from_secs(60);
const BATCH: u64 = 200;
/// Working days after a breach before the district supervises (督办).
pub const SUPERVISE_AFTER_WORKING_DAYS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaState {
    None,
    OnTrack,
    AtRisk,
    Breached,
}

impl SlaState {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::None => "none",
            SlaState::OnTrack => "on_track",
            SlaState::AtRisk => "at_risk",
            SlaState::Breached => "breached",
        }
    }
}

enum Budget {
    Hours(i64),
    WorkingDays(u32),
}

/// The clock fields of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clock {
    pub stage_started_at: Option<DateTime<Utc>>,
    pub at_risk_at: Option<DateTime<Utc>>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub supervise_at: Option<DateTime<Utc>>,
    pub paused_at: Option<DateTime<Utc>>,
}

impl Clock {
    pub fn of(app: &applications::Model) -> Clock {
        Clock {
            stage_started_at: app.stage_started_at,
            at_risk_at: app.at_risk_at,
            deadline_at: app.deadline_at,
            supervise_at: app.supervise_at,
            paused_at: app.paused_at,
        }
    }

    /// Writes the clock into `active`, resetting the SLA state and escalation level when a new
    /// stage starts.
    pub fn apply(&self, active: &mut applications::ActiveModel, new_stage: bool) {
        active.stage_started_at = Set(self.stage_started_at);
        active.at_risk_at = Set(self.at_risk_at);
        active.deadline_at = Set(self.deadline_at);
        active.supervise_at = Set(self.supervise_at);
        active.paused_at = Set(self.paused_at);
        if new_stage {
            let state = if self.deadline_at.is_some() {
                SlaState::OnTrack
            } else {
                SlaState::None
            };
            active.sla_state = Set(state.as_str().into());
            active.escalation_level = Set(0);
        }
    }
}

fn start(
    cal: &WorkCalendar,
    from: DateTime<Utc>,
    budget: Budget,
    caps: &[Option<DateTime<Utc>>],
) -> Clock {
    let mut deadline = match budget {
        Budget::Hours(h) => from + Duration::hours(h),
        Budget::WorkingDays(n) => cal.deadline(from, n),
    };
    for cap in caps.iter().flatten() {
        deadline = Ord::min(deadline, *cap);
    }
    let span = (deadline - from).max(Duration::zero());
    Clock {
        stage_started_at: Some(from),
        at_risk_at: Some(from + span * 4 / 5),
        deadline_at: Some(deadline),
        supervise_at: Some(cal.extend(deadline, SUPERVISE_AFTER_WORKING_DAYS)),
        paused_at: None,
    }
}

/// The clock of a case entering `status` at `now`. `previous` is the state it leaves.
pub fn for_stage(
    cal: &WorkCalendar,
    now: DateTime<Utc>,
    app: &applications::Model,
    kind: &assistance_types::Model,
    previous: Status,
    status: Status,
) -> Clock {
    let caps = [app.total_due_at, app.backfill_due_at];
    let days = |n: i32| Budget::WorkingDays(Ord::max(n, 1) as u32);
    match status {
        Status::Submitted if app.urgent => start(
            cal,
            now,
            Budget::Hours(kind.urgent_response_hours as i64),
            &caps,
        ),
        Status::Submitted => start(cal, now, days(kind.response_working_days), &caps),
        Status::Accepted | Status::Reopened => {
            start(cal, now, days(kind.investigation_working_days), &caps)
        }
        // Investigation continues the acceptance clock; after 先行救助, an objection or a
        // reopening it starts afresh.
        Status::Investigating if previous == Status::Accepted => Clock::of(app),
        Status::Investigating => start(cal, now, days(kind.investigation_working_days), &caps),
        Status::Review => start(cal, now, days(kind.review_working_days), &caps),
        // The clock stands still during 公示 and runs for the decision once it ends.
        Status::PublicNotice => {
            let ends = app.public_notice_ends_at.unwrap_or(now);
            start(
                cal,
                ends,
                days(kind.review_working_days),
                &[app.backfill_due_at],
            )
        }
        Status::EmergencyAid => start(
            cal,
            now,
            days(kind.emergency_backfill_working_days),
            &[app.backfill_due_at],
        ),
        // Waiting for the resident: same deadlines, clock paused.
        Status::NeedsSupplement => Clock {
            paused_at: Some(now),
            ..Clock::of(app)
        },
        Status::Draft
        | Status::Approved
        | Status::Rejected
        | Status::Withdrawn
        | Status::Closed => Clock::default(),
    }
}

/// Resumes a paused clock: every deadline moves later by the working days spent waiting.
pub fn resume(
    cal: &WorkCalendar,
    now: DateTime<Utc>,
    app: &applications::Model,
) -> (Clock, Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let Some(paused) = app.paused_at else {
        return (Clock::of(app), app.total_due_at, app.backfill_due_at);
    };
    let waited = cal.working_days_between(paused, now);
    let shift = |t: Option<DateTime<Utc>>| t.map(|t| cal.extend(t, waited));
    let deadline = shift(app.deadline_at);
    let delta = match (deadline, app.deadline_at) {
        (Some(new), Some(old)) => new - old,
        _ => Duration::zero(),
    };
    let clock = Clock {
        stage_started_at: app.stage_started_at.map(|t| t + delta),
        at_risk_at: app.at_risk_at.map(|t| t + delta),
        deadline_at: deadline,
        supervise_at: shift(app.supervise_at),
        paused_at: None,
    };
    (clock, shift(app.total_due_at), shift(app.backfill_due_at))
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    pub at_risk: usize,
    pub urged: usize,
    pub supervised: usize,
    /// Another instance held the scanner lock.
    pub skipped: bool,
}

/// One pass of the scanner at `now`. On PostgreSQL it runs under a transaction-scoped advisory
/// lock, so with several instances only one scans at a time.
pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> Result<ScanReport, DbErr> {
    let txn = db::begin(&state.db).await?;
    if db::is_postgres(&txn) {
        let row = txn
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock(7291170002) AS locked",
            ))
            .await?;
        let locked: bool = row
            .map(|r| r.try_get("", "locked"))
            .transpose()?
            .unwrap_or(false);
        if !locked {
            return Ok(ScanReport {
                skipped: true,
                ..ScanReport::default()
            });
        }
    }
    let due = applications::Entity::find()
        .filter(applications::Column::PausedAt.is_null())
        .filter(applications::Column::DeadlineAt.is_not_null())
        .filter(
            Condition::any()
                .add(
                    applications::Column::AtRiskAt
                        .lte(now)
                        .and(applications::Column::EscalationLevel.lt(1)),
                )
                .add(
                    applications::Column::DeadlineAt
                        .lte(now)
                        .and(applications::Column::EscalationLevel.lt(2)),
                )
                .add(
                    applications::Column::SuperviseAt
                        .lte(now)
                        .and(applications::Column::EscalationLevel.lt(3)),
                ),
        )
        .limit(BATCH)
        .all(&txn)
        .await?;
    let mut report = ScanReport::default();
    for app in due {
        let mut level = app.escalation_level;
        let mut current = app.clone();
        let steps = [
            (
                1,
                app.at_risk_at,
                SlaState::AtRisk,
                "sla_at_risk",
                "临近办理时限",
                Audience::Caseworkers,
            ),
            (
                2,
                app.deadline_at,
                SlaState::Breached,
                "urged",
                "已超过办理时限,催办",
                Audience::Street,
            ),
            (
                3,
                app.supervise_at,
                SlaState::Breached,
                "supervised",
                "超时 5 个工作日,督办",
                Audience::District,
            ),
        ];
        for (to_level, at, sla, event, note, audience) in steps {
            if level >= to_level || at.is_none_or(|t| t > now) {
                continue;
            }
            // Conditional on the level and stage we read: a concurrent transition wins.
            let updated = applications::Entity::update_many()
                .col_expr(applications::Column::EscalationLevel, Expr::value(to_level))
                .col_expr(applications::Column::SlaState, Expr::value(sla.as_str()))
                .filter(applications::Column::Id.eq(app.id))
                .filter(applications::Column::EscalationLevel.eq(level))
                .filter(applications::Column::Version.eq(app.version))
                .exec(&txn)
                .await?;
            if updated.rows_affected == 0 {
                break;
            }
            level = to_level;
            current.escalation_level = to_level;
            current.sla_state = sla.as_str().into();
            events::record(
                &txn,
                NewEvent {
                    application_id: app.id,
                    actor_kind: "system",
                    actor_id: None,
                    actor_label: "系统".into(),
                    actor_role: None,
                    action: event,
                    from_status: Some(&app.status),
                    to_status: Some(&app.status),
                    note: Some(note.into()),
                    note_public: false,
                    public: false,
                    data: Some(json!({ "level": to_level, "deadline_at": app.deadline_at })),
                },
            )
            .await?;
            events::notify(
                &txn,
                &current,
                event,
                &[audience],
                json!({ "escalation_level": to_level, "deadline_at": app.deadline_at }),
            )
            .await?;
            match to_level {
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

/// The calendar the clocks count in.
pub async fn calendar(db: &impl ConnectionTrait) -> Result<WorkCalendar, DbErr> {
    calendar::store::load(db).await
}
