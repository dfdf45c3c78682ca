//! Working days on the Chinese calendar: Monday–Friday, minus public holidays, plus the
//! weekend make-up workdays (调休). Deadlines fall at the end of a working day, China time.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (including weekdays given off in lieu).
    Holiday,
    /// A weekend day worked to make up for a holiday (调休上班).
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// A reporting period `from`..=`to` (`YYYY-MM-DD`, inclusive, China days): `to` defaults to
/// `today`, `from` to `default_days` ending at `to`; at most `max_days` long. Dates outside
/// 2000–2100 are refused, so no arithmetic on them can overflow. Every problem lands in the
/// field map.
pub fn parse_period(
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
    default_days: i64,
    max_days: i64,
) -> Result<(NaiveDate, NaiveDate), crate::error::FieldErrors> {
    let mut fields = crate::error::FieldErrors::new();
    let mut date = |name: &str, v: Option<&str>| -> Option<NaiveDate> {
        let v = v.map(str::trim).filter(|v| !v.is_empty())?;
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) if (2000..=2100).contains(&d.year()) => Some(d),
            Ok(_) => {
                fields.insert(name.into(), "日期应在 2000 年至 2100 年之间".into());
                None
            }
            Err(_) => {
                fields.insert(name.into(), "日期格式应为 YYYY-MM-DD".into());
                None
            }
        }
    };
    let (from, to) = (date("from", from), date("to", to));
    if !fields.is_empty() {
        return Err(fields);
    }
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - Duration::days(default_days - 1));
    if from > to {
        fields.insert("from".into(), "开始日期不能晚于结束日期".into());
    } else if (to - from).num_days() + 1 > max_days {
        fields.insert("to".into(), format!("一次最多查询 {max_days} 天"));
    }
    if fields.is_empty() {
        Ok((from, to))
    } else {
        Err(fields)
    }
}

/// China Standard Time (no daylight saving).
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// The instant a local day ends (the next day's 00:00 China time).
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    let next = day.succ_opt().unwrap_or(day);
    china()
        .from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    overrides: HashMap<NaiveDate, DayKind>,
}

impl WorkCalendar {
    pub fn new(overrides: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        WorkCalendar {
            overrides: overrides.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.overrides.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `n`-th working day strictly after `day` (`n = 0` is `day` itself).
    pub fn nth_working_day_after(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut d = day;
        let mut counted = 0;
        // A year has ~250 working days; a bound keeps a corrupt calendar from looping forever.
        let mut guard = 0;
        while counted < n && guard < 3660 {
            d = d.succ_opt().unwrap_or(d);
            guard += 1;
            if self.is_working_day(d) {
                counted += 1;
            }
        }
        d
    }

    /// Deadline for "within `n` working days" of `start`: the end of the `n`-th working day
    /// after the day `start` falls on (China time).
    pub fn deadline(&self, start: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        end_of_day(self.nth_working_day_after(local_date(start), n))
    }

    /// Working days in `(from, to]`, by local date.
    pub fn working_days_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let (a, b) = (local_date(from), local_date(to));
        let mut d = a;
        let mut n = 0;
        while d < b {
            d = d.succ_opt().unwrap_or(b);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// Moves a deadline later by `n` working days (a paused clock resuming).
    pub fn extend(&self, deadline: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        if n == 0 {
            return deadline;
        }
        // Deadlines sit at local midnight: the day they end is the day before.
        let last_day = local_date(deadline - Duration::seconds(1));
        end_of_day(self.nth_working_day_after(last_day, n))
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

    fn at(s: &str) -> DateTime<Utc> {
        china()
            .from_local_datetime(
                &chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
            )
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn spring_festival_2026_with_its_make_up_saturdays() {
        let c = cal();
        // Sat 14 Feb and Sat 28 Feb are worked; 15–23 Feb are off.
        assert!(c.is_working_day(d("2026-02-14")));
        assert!(!c.is_working_day(d("2026-02-16")));
        assert!(!c.is_working_day(d("2026-02-23")));
        assert!(c.is_working_day(d("2026-02-24")));
        assert!(c.is_working_day(d("2026-02-28")));
        // Friday 13 Feb + 1 working day = the make-up Saturday.
        assert_eq!(c.nth_working_day_after(d("2026-02-13"), 1), d("2026-02-14"));
        // Saturday 14 Feb + 1 = Tuesday 24 Feb, after nine days off.
        assert_eq!(c.nth_working_day_after(d("2026-02-14"), 1), d("2026-02-24"));
        // A case submitted Thursday 12 Feb afternoon with 5 working days: 13, 14, 24, 25, 26.
        assert_eq!(
            c.deadline(at("2026-02-12 15:30"), 5),
            end_of_day(d("2026-02-26"))
        );
        assert_eq!(
            c.working_days_between(at("2026-02-13 09:00"), at("2026-02-28 09:00")),
            6
        );
    }

    #[test]
    fn national_day_2026_with_its_make_up_days() {
        let c = cal();
        assert!(c.is_working_day(d("2026-09-20")), "Sunday 20 Sep is worked");
        assert!(!c.is_working_day(d("2026-09-25")), "Mid-Autumn");
        assert!(!c.is_working_day(d("2026-10-07")));
        assert!(
            c.is_working_day(d("2026-10-10")),
            "Saturday 10 Oct is worked"
        );
        // Wednesday 30 Sep + 1 working day = Thursday 8 Oct.
        assert_eq!(c.nth_working_day_after(d("2026-09-30"), 1), d("2026-10-08"));
        // Friday 9 Oct + 1 = the make-up Saturday 10 Oct.
        assert_eq!(c.nth_working_day_after(d("2026-10-09"), 1), d("2026-10-10"));
        // 30 working days from Friday 18 Sep 2026 land on 5 Nov (two holiday blocks skipped,
        // two make-up days counted).
        assert_eq!(
            c.nth_working_day_after(d("2026-09-18"), 30),
            d("2026-11-05")
        );
    }

    #[test]
    fn deadlines_end_at_local_midnight_and_extend_by_working_days() {
        let c = cal();
        let deadline = c.deadline(at("2026-11-27 10:00"), 1); // Friday → Monday 30 Nov
        assert_eq!(deadline, end_of_day(d("2026-11-30")));
        assert_eq!(
            deadline
                .with_timezone(&china())
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            "2026-12-01 00:00"
        );
        assert_eq!(c.extend(deadline, 2), end_of_day(d("2026-12-02")));
        assert_eq!(c.extend(deadline, 0), deadline);
        // An ordinary week without holidays.
        assert_eq!(
            c.working_days_between(at("2026-11-23 09:00"), at("2026-11-30 09:00")),
            5
        );
    }
}
