//! Grid care's rules, free of I/O: the visit schedule (calendar days, moved off non-working
//! days), the missed-visit ladder, what a group × tier demands, and the checklist vocabulary.

pub mod catalogue;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::{
    care_enums::{CareAction, VisitMethod},
    care_tiers,
};

use crate::{
    calendar::{
        WorkCalendar,
        domain::{china, end_of_day},
    },
    config::CareSettings,
    outbox::Audience,
};

macro_rules! vocabulary {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            ToSchema, strum::EnumString, strum::Display, strum::AsRefStr, strum::EnumIter,
        )]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }
    };
}

vocabulary! {
    /// What a visit looks at (走访清单); each group names its own short list.
    pub enum ChecklistItem {
        /// 健康状况
        Health,
        /// 生活状况: housing, food, hygiene, heating.
        Living,
        /// 安全隐患: gas, electricity, falls, fire.
        Safety,
        /// 诉求与需要
        Needs,
        /// 监护照料 (children)
        Guardianship,
        /// 就学情况 (children)
        Schooling,
    }
}

impl ChecklistItem {
    pub fn label(self) -> &'static str {
        match self {
            ChecklistItem::Health => "健康状况",
            ChecklistItem::Living => "生活状况",
            ChecklistItem::Safety => "安全隐患",
            ChecklistItem::Needs => "诉求与需要",
            ChecklistItem::Guardianship => "监护照料",
            ChecklistItem::Schooling => "就学情况",
        }
    }
}

vocabulary! {
    /// How a checklist item was found.
    pub enum FindingLevel {
        /// 正常
        Ok,
        /// 需关注
        Attention,
        /// 紧急
        Urgent,
    }
}

vocabulary! {
    /// A person's guardian (监护人) or another contact (联系人).
    pub enum ContactKind {
        Guardian,
        Contact,
    }
}

vocabulary! {
    /// Where a person's next visit stands today.
    pub enum VisitState {
        OnTrack,
        DueSoon,
        Due,
        Overdue,
    }
}

/// The highest-risk tier is 1 (一级); tiers run 1 to `MAX_TIER`.
pub const MAX_TIER: i32 = 3;
/// People under 14 are registered with a guardian (PIPL Art. 31).
pub const GUARDIAN_AGE: u32 = 14;

pub fn tier_name(tier: i32) -> &'static str {
    match tier {
        1 => "一级",
        2 => "二级",
        3 => "三级",
        _ => "未分级",
    }
}

/// What a person's tiers demand together: the shortest interval and a home visit if any tier
/// asks for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub interval_days: i32,
    pub home_visit: bool,
}

pub fn requirement<'a>(
    tiers: impl IntoIterator<Item = &'a care_tiers::Model>,
) -> Option<Requirement> {
    tiers.into_iter().fold(None, |acc, t| {
        let here = Requirement {
            interval_days: t.interval_days.max(1),
            home_visit: t.home_visit_required,
        };
        Some(match acc {
            None => here,
            Some(r) => Requirement {
                interval_days: r.interval_days.min(here.interval_days),
                home_visit: r.home_visit || here.home_visit,
            },
        })
    })
}

/// Whether a visit made this way keeps the schedule: where a home visit is required, only
/// someone going in person (入户 or 代访) does.
pub fn counts(method: VisitMethod, home_visit_required: bool) -> bool {
    !home_visit_required || matches!(method, VisitMethod::Home | VisitMethod::Proxy)
}

/// The day the next visit is due: `interval_days` calendar days after `from` (a weekly visit is
/// weekly), moved to the next working day when that day is a weekend or a holiday.
pub fn next_due(cal: &WorkCalendar, from: NaiveDate, interval_days: i32) -> NaiveDate {
    let due = from + Duration::days(i64::from(interval_days.max(1)));
    if cal.is_working_day(due) {
        due
    } else {
        cal.nth_working_day_after(due, 1)
    }
}

/// The instant a China day starts.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    china()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

/// One rung of the missed-visit ladder.
pub struct Rung {
    pub level: i32,
    pub action: CareAction,
    /// The outbox event is `care.{event}`.
    pub event: &'static str,
    pub note: &'static str,
    pub audience: Audience,
}

/// Due soon, due and overdue tell the assigned worker; the street is told after a delay and
/// the district after another. Each level is reached once per due date.
pub const LADDER: [Rung; 5] = [
    Rung {
        level: 1,
        action: CareAction::VisitDueSoon,
        event: "visit_due_soon",
        note: "走访即将到期",
        audience: Audience::Caseworkers,
    },
    Rung {
        level: 2,
        action: CareAction::VisitDue,
        event: "visit_due",
        note: "今日应走访",
        audience: Audience::Caseworkers,
    },
    Rung {
        level: 3,
        action: CareAction::VisitOverdue,
        event: "visit_overdue",
        note: "走访已逾期",
        audience: Audience::Caseworkers,
    },
    Rung {
        level: 4,
        action: CareAction::VisitUrged,
        event: "visit_urged",
        note: "走访逾期,催办街道",
        audience: Audience::Street,
    },
    Rung {
        level: 5,
        action: CareAction::VisitSupervised,
        event: "visit_supervised",
        note: "走访长期逾期,督办到区",
        audience: Audience::District,
    },
];

/// When each rung of the ladder is reached for a visit due on `due_on`.
pub fn marks(cal: &WorkCalendar, due_on: NaiveDate, s: &CareSettings) -> [DateTime<Utc>; 5] {
    let due_soon = start_of_day(due_on - Duration::days(i64::from(s.due_soon_days)));
    let overdue = end_of_day(due_on);
    let urged = cal.extend(overdue, s.street_after_working_days);
    let supervised = cal.extend(urged, s.district_after_working_days);
    [due_soon, start_of_day(due_on), overdue, urged, supervised]
}

/// When the scanner next has something to say about a person at `level`.
pub fn next_alert(
    cal: &WorkCalendar,
    due_on: NaiveDate,
    level: i32,
    s: &CareSettings,
) -> Option<DateTime<Utc>> {
    usize::try_from(level)
        .ok()
        .and_then(|l| marks(cal, due_on, s).get(l).copied())
}

/// The rungs a scan at `now` crosses from `level`, and of the worker's rungs only the highest
/// (someone scanned late is told "overdue", not also "due soon" and "due").
pub fn rungs_to_fire(
    marks: &[DateTime<Utc>; 5],
    level: i32,
    now: DateTime<Utc>,
) -> Vec<(&'static Rung, bool)> {
    let crossed: Vec<&Rung> = LADDER
        .iter()
        .zip(marks)
        .filter(|(r, at)| r.level > level && **at <= now)
        .map(|(r, _)| r)
        .collect();
    let top_worker = crossed
        .iter()
        .filter(|r| r.audience == Audience::Caseworkers)
        .map(|r| r.level)
        .max();
    crossed
        .into_iter()
        .map(|r| {
            let tell = r.audience != Audience::Caseworkers || Some(r.level) == top_worker;
            (r, tell)
        })
        .collect()
}

/// Where a visit due on `due_on` stands on `today`.
pub fn visit_state(due_on: NaiveDate, today: NaiveDate, due_soon_days: u32) -> VisitState {
    if due_on < today {
        VisitState::Overdue
    } else if due_on == today {
        VisitState::Due
    } else if due_on <= today + Duration::days(i64::from(due_soon_days)) {
        VisitState::DueSoon
    } else {
        VisitState::OnTrack
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::seed;

    fn cal() -> WorkCalendar {
        WorkCalendar::new(seed::DAYS.iter().map(|(d, k, _)| (seed::date(d), *k)))
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn settings() -> CareSettings {
        CareSettings {
            due_soon_days: 2,
            street_after_working_days: 3,
            district_after_working_days: 5,
            scan_every: std::time::Duration::from_secs(60),
            import_batch_rows: 500,
            import_max_bytes: 1 << 20,
        }
    }

    fn tier(days: i32, home: bool) -> care_tiers::Model {
        care_tiers::Model {
            group_code: "g".into(),
            tier: 1,
            name: "一级".into(),
            interval_days: days,
            home_visit_required: home,
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_weekly_visit_is_due_a_week_later_unless_that_day_is_off() {
        let c = cal();
        // Wednesday 2 Dec 2026 + 7 = Wednesday 9 Dec.
        assert_eq!(next_due(&c, d("2026-12-02"), 7), d("2026-12-09"));
        // Thursday 24 Sep 2026 + 1 = Mid-Autumn (25 Sep), off: Monday 28 Sep is next worked.
        assert_eq!(next_due(&c, d("2026-09-24"), 1), d("2026-09-28"));
        // Wednesday 23 Sep + 7 = 30 Sep (a working day before National Day).
        assert_eq!(next_due(&c, d("2026-09-23"), 7), d("2026-09-30"));
        // Thursday 24 Sep + 7 = 1 Oct, National Day: moved past the holiday to 8 Oct.
        assert_eq!(next_due(&c, d("2026-09-24"), 7), d("2026-10-08"));
        // Saturday 7 Nov + 7 = Saturday 14 Nov: Monday 16 Nov.
        assert_eq!(next_due(&c, d("2026-11-07"), 7), d("2026-11-16"));
    }

    #[test]
    fn the_most_demanding_tier_sets_the_requirement() {
        assert_eq!(requirement([]), None);
        let r = requirement([&tier(30, false), &tier(7, false), &tier(15, true)]).unwrap();
        assert_eq!(
            r,
            Requirement {
                interval_days: 7,
                home_visit: true
            }
        );
        assert!(counts(VisitMethod::Phone, false));
        assert!(!counts(VisitMethod::Phone, true));
        assert!(!counts(VisitMethod::Video, true));
        assert!(counts(VisitMethod::Proxy, true));
    }

    #[test]
    fn the_ladder_runs_worker_then_street_then_district_on_working_days() {
        let c = cal();
        let s = settings();
        // Due Wednesday 9 Dec 2026.
        let m = marks(&c, d("2026-12-09"), &s);
        assert_eq!(m[0], start_of_day(d("2026-12-07")));
        assert_eq!(m[1], start_of_day(d("2026-12-09")));
        assert_eq!(m[2], end_of_day(d("2026-12-09")));
        // Three working days after the due day: Thu 10, Fri 11, Mon 14.
        assert_eq!(m[3], end_of_day(d("2026-12-14")));
        // Five more: 15, 16, 17, 18, 21.
        assert_eq!(m[4], end_of_day(d("2026-12-21")));
        assert_eq!(next_alert(&c, d("2026-12-09"), 5, &s), None);
        assert_eq!(next_alert(&c, d("2026-12-09"), 3, &s), Some(m[3]));
    }

    #[test]
    fn a_late_scan_tells_the_worker_once_and_the_street_and_district_each_once() {
        let c = cal();
        let m = marks(&c, d("2026-12-09"), &settings());
        let fired = rungs_to_fire(&m, 0, m[2] + Duration::minutes(1));
        let levels: Vec<(i32, bool)> = fired.iter().map(|(r, t)| (r.level, *t)).collect();
        assert_eq!(levels, [(1, false), (2, false), (3, true)]);
        let later = rungs_to_fire(&m, 3, m[4] + Duration::minutes(1));
        let levels: Vec<(i32, bool)> = later.iter().map(|(r, t)| (r.level, *t)).collect();
        assert_eq!(levels, [(4, true), (5, true)]);
        assert!(rungs_to_fire(&m, 5, m[4] + Duration::days(90)).is_empty());
    }

    #[test]
    fn visit_states_follow_the_due_day() {
        let due = d("2026-12-09");
        assert_eq!(visit_state(due, d("2026-12-01"), 2), VisitState::OnTrack);
        assert_eq!(visit_state(due, d("2026-12-07"), 2), VisitState::DueSoon);
        assert_eq!(visit_state(due, d("2026-12-09"), 2), VisitState::Due);
        assert_eq!(visit_state(due, d("2026-12-10"), 2), VisitState::Overdue);
    }

    #[test]
    fn vocabulary_text_forms_are_the_serde_names() {
        use std::str::FromStr;
        use strum::IntoEnumIterator;
        for item in ChecklistItem::iter() {
            let json = serde_json::to_value(item).unwrap();
            assert_eq!(json.as_str(), Some(item.as_ref()));
            assert_eq!(ChecklistItem::from_str(item.as_ref()).unwrap(), item);
        }
        assert_eq!(VisitMethod::Home.to_string(), "home");
        assert_eq!(entity::care_enums::FollowUp::HelpTask.as_ref(), "help_task");
    }
}
