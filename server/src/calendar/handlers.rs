//! Reading and replacing a year of the holiday calendar.

use std::collections::HashSet;

use actix_web::{HttpResponse, get, put, web};
use chrono::{Datelike, Weekday};

use crate::{
    audit::{self, Actor, Entry},
    auth::Staff,
    calendar::{
        domain::DayKind,
        dto::{CalendarDay, CalendarYear, ReplaceCalendarYear},
        store,
    },
    db,
    error::{AppError, AppResult, ErrorBody, FieldErrors, codes},
    jurisdictions::Level,
    staff::Role,
    state::AppState,
};

fn check_year(year: i32) -> AppResult<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(AppError::bad_request(
            "invalid_year",
            "年份应在 2000–2100 之间",
        ))
    }
}

/// A year's holidays and make-up workdays (any staff member).
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    params(("year" = i32, Path)),
    responses((status = 200, body = CalendarYear), (status = 401, body = ErrorBody))
)]
#[get("/api/v1/admin/calendar/{year}")]
pub async fn get(
    state: web::Data<AppState>,
    _me: Staff,
    year: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let year = year.into_inner();
    check_year(year)?;
    let days = store::year(&state.db, year)
        .await?
        .into_iter()
        .filter_map(|r| {
            DayKind::parse(&r.kind).map(|kind| CalendarDay {
                date: r.day,
                kind,
                name: r.name,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(CalendarYear { year, days }))
}

/// Replaces a year (city-level admins), e.g. when the State Council publishes next year's
/// arrangement. Open deadlines keep their values; new ones use the new calendar.
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    params(("year" = i32, Path)),
    request_body = ReplaceCalendarYear,
    responses((status = 200, body = CalendarYear), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/api/v1/admin/calendar/{year}")]
pub async fn replace(
    state: web::Data<AppState>,
    me: Staff,
    year: web::Path<i32>,
    body: web::Json<ReplaceCalendarYear>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    if me.scope.level != Level::City {
        return Err(codes::CITY_ADMIN_ONLY.with("节假日日历由市级管理员维护"));
    }
    let year = year.into_inner();
    check_year(year)?;
    let body = body.into_inner();
    let mut fields = FieldErrors::new();
    let mut seen = HashSet::new();
    for (i, day) in body.days.iter().enumerate() {
        if day.date.year() != year {
            fields.insert(format!("days[{i}].date"), format!("日期不在 {year} 年内"));
        }
        if !seen.insert(day.date) {
            fields.insert(format!("days[{i}].date"), "日期重复".into());
        }
        let weekend = matches!(day.date.weekday(), Weekday::Sat | Weekday::Sun);
        if day.kind == DayKind::Workday && !weekend {
            fields.insert(format!("days[{i}].kind"), "调休上班日应为周六或周日".into());
        }
        let n = day.name.trim().chars().count();
        if n == 0 || n > 32 {
            fields.insert(format!("days[{i}].name"), "名称须为 1–32 个字".into());
        }
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let days: Vec<_> = body
        .days
        .iter()
        .map(|d| (d.date, d.kind, d.name.trim().to_string()))
        .collect();
    let txn = db::begin(&state.db).await?;
    store::replace_year(&txn, year, &days).await?;
    audit::record(
        &txn,
        Entry::new(Actor::Staff(me.id), "calendar.replace").target("calendar_year", year),
    )
    .await?;
    txn.commit().await?;
    let mut sorted = body.days;
    sorted.sort_by_key(|d| d.date);
    Ok(HttpResponse::Ok().json(CalendarYear { year, days: sorted }))
}
