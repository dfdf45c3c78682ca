//! Figures per street and the registry export.

use actix_web::{HttpResponse, get, http::header, web};
use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::{
    audit::{self, Entry},
    auth::Staff,
    calendar::domain::local_date,
    care::{
        access::{READ, bad_query},
        dto_admin::{ExportFormat, ExportQuery, StatsQuery, StatsResponse},
        export as registry_export, figures,
        filters::{self, Params},
        store, views,
    },
    db,
    error::{AppError, AppResult, ErrorBody},
    jurisdictions::store as juris,
    sheets,
    state::AppState,
};

/// The most rows one export holds.
pub const EXPORT_MAX: u64 = 100_000;

/// Per street inside the caller's subtree: people by group and tier, and this month's visits
/// done, falling due and overdue.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(StatsQuery),
    responses((status = 200, body = StatsResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody))
)]
#[get("/api/v1/care/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    me: Staff,
    query: web::Query<StatsQuery>,
) -> AppResult<HttpResponse> {
    me.require(READ)?;
    let today = local_date(db::now());
    let month = match query
        .month
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        None => today.with_day(1).unwrap_or(today),
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .ok()
            .filter(|d| (2000..=2100).contains(&d.year()))
            .ok_or_else(|| bad_query("month 的格式应为 YYYY-MM"))?,
    };
    let subtree = match query
        .jurisdiction_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Some(
            juris::find_by_code(&state.db, code)
                .await?
                .ok_or_else(|| bad_query("区划不存在"))?
                .path,
        ),
        None => None,
    };
    let streets = figures::per_street(&state, &me, month, today, subtree.as_deref()).await?;
    Ok(HttpResponse::Ok().json(StatsResponse {
        month: month.format("%Y-%m").to_string(),
        streets,
    }))
}

/// The registry inside the caller's subtree as XLSX (typed numbers and dates, a frozen header)
/// or CSV (UTF-8 with a BOM); ID numbers and phones masked. Every export is audited.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "the file", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
#[get("/api/v1/care/export")]
pub async fn export(
    state: web::Data<AppState>,
    me: Staff,
    query: web::Query<ExportQuery>,
) -> AppResult<HttpResponse> {
    me.require(READ)?;
    let q = query.into_inner();
    let today = local_date(db::now());
    let catalogue = store::catalogue(&state.db).await?;
    let params = Params {
        group: q.group.as_deref(),
        tier: q.tier,
        visit: q.visit.as_deref(),
        worker: q.worker.as_deref(),
        q: None,
        jurisdiction_code: q.jurisdiction_code.as_deref(),
        status: q.status,
    };
    let f = filters::filter(&state, &me, &catalogue, params, today).await?;
    let people = store::all_in(&state.db, &me.scope, &f, EXPORT_MAX).await?;
    let lookup = views::Lookup::load(
        &state.db,
        &people,
        catalogue,
        today,
        state.settings.care.due_soon_days,
    )
    .await?;
    let rows = registry_export::rows(&people, &lookup, today);
    let format = q.format.unwrap_or(ExportFormat::Xlsx);
    let (bytes, mime, ext) = match format {
        ExportFormat::Csv => (
            sheets::csv(registry_export::COLUMNS, &rows)?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        ExportFormat::Xlsx => (
            sheets::xlsx(
                registry_export::SHEET,
                registry_export::COLUMNS,
                &rows,
                None,
            )
            .map_err(|e| AppError::Internal(e.into()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    audit::record(
        &state.db,
        Entry::new(audit::Actor::Staff(me.id), "care.export")
            .detail(json!({ "rows": rows.len(), "format": ext, "scope": me.scope.code })),
    )
    .await?;
    let name = format!("care-people-{}.{ext}", today.format("%Y%m%d"));
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}
