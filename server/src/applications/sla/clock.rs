//! The clock of a case: each stage's deadline from the catalogue in working days, the 80 %
//! at-risk mark, the supervision mark five working days after a breach, and pauses while
//! waiting for the resident.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr};

use entity::{applications, assistance_types};

use crate::{
    applications::workflow::Status,
    calendar::{self, WorkCalendar},
};

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

/// The calendar the clocks count in.
pub async fn calendar(db: &impl ConnectionTrait) -> Result<WorkCalendar, DbErr> {
    calendar::store::load(db).await
}
