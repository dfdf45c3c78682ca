//! Calendar rows: seeded at start-up (missing years only), loaded whole for deadline arithmetic.

use chrono::{Datelike, NaiveDate};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use entity::calendar_days;

use crate::calendar::{
    domain::{DayKind, WorkCalendar},
    seed,
};

/// Seeds the built-in years that have no rows yet. A year the city has replaced is left as
/// the city wrote it, across restarts.
pub async fn seed_defaults(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let present: std::collections::HashSet<i32> = calendar_days::Entity::find()
        .all(db)
        .await?
        .iter()
        .map(|r| r.day.year())
        .collect();
    let rows: Vec<_> = seed::DAYS
        .iter()
        .filter(|(d, _, _)| !present.contains(&seed::date(d).year()))
        .map(|(d, kind, name)| calendar_days::ActiveModel {
            day: Set(seed::date(d)),
            kind: Set(kind.as_str().into()),
            name: Set((*name).into()),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    calendar_days::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([calendar_days::Column::Day])
        .exec(db)
        .await?;
    Ok(())
}

pub async fn load(db: &impl ConnectionTrait) -> Result<WorkCalendar, DbErr> {
    let rows = calendar_days::Entity::find().all(db).await?;
    Ok(WorkCalendar::new(rows.into_iter().filter_map(|r| {
        DayKind::parse(&r.kind).map(|k| (r.day, k))
    })))
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    )
}

pub async fn year(
    db: &impl ConnectionTrait,
    year: i32,
) -> Result<Vec<calendar_days::Model>, DbErr> {
    let (first, last) = year_bounds(year);
    calendar_days::Entity::find()
        .filter(calendar_days::Column::Day.between(first, last))
        .order_by_asc(calendar_days::Column::Day)
        .all(db)
        .await
}

/// Replaces every override of `year` with `days`.
pub async fn replace_year(
    db: &impl ConnectionTrait,
    year: i32,
    days: &[(NaiveDate, DayKind, String)],
) -> Result<(), DbErr> {
    let (first, last) = year_bounds(year);
    calendar_days::Entity::delete_many()
        .filter(calendar_days::Column::Day.between(first, last))
        .exec(db)
        .await?;
    let rows: Vec<_> = days
        .iter()
        .filter(|(d, _, _)| d.year() == year)
        .map(|(d, k, n)| calendar_days::ActiveModel {
            day: Set(*d),
            kind: Set(k.as_str().into()),
            name: Set(n.clone()),
        })
        .collect();
    if !rows.is_empty() {
        calendar_days::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}
