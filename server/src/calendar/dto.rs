//! Request and response shapes of the calendar admin API.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::calendar::domain::DayKind;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    /// Holidays and make-up workdays; every other Monday–Friday is a working day.
    pub days: Vec<CalendarDay>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceCalendarYear {
    pub days: Vec<CalendarDay>,
}
