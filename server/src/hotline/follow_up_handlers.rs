//! HTTP handlers of 回访 follow-ups and satisfaction figures.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use serde_json::{Value, json};
use uuid::Uuid;

use entity::applications;

use crate::{
    applications::{
        self as apps,
        pii::context,
        views::{self as app_views, Lookup},
    },
    audit::{self, Actor, Entry},
    auth::Staff,
    db,
    error::{AppError, AppResult, ErrorBody, codes},
    hotline::{
        dto::{
            ContactQuery, FollowUpContact, FollowUpPage, FollowUpQuery, FollowUpResultInput,
            FollowUpResultResponse, SatisfactionQuery, SatisfactionReport,
        },
        followups,
        handlers::parse,
        satisfaction as figures,
        store::{self, FollowUpCursor, FollowUpFilter},
        views,
    },
    http::cursor,
    state::AppState,
};

fn follow_up_filter(q: &FollowUpQuery) -> AppResult<FollowUpFilter> {
    match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(FollowUpFilter::All),
        Some("due") => Ok(FollowUpFilter::Due),
        Some("overdue") => Ok(FollowUpFilter::Overdue),
        Some("done") => Ok(FollowUpFilter::Done),
        Some(_) => Err(AppError::field(
            "status",
            "status 应为 due、overdue 或 done",
        )),
    }
}

fn follow_up_cursor(
    filter: FollowUpFilter,
    raw: Option<&str>,
) -> AppResult<Option<FollowUpCursor>> {
    Ok(match filter {
        FollowUpFilter::Due | FollowUpFilter::Overdue => {
            cursor::decode_time_id(raw)?.map(|(t, id)| FollowUpCursor::Due(t, id))
        }
        _ => cursor::decode_uuid(raw)?.map(FollowUpCursor::Before),
    })
}

/// 回访 tasks inside the caller's jurisdiction (operators, supervisors): `due` and `overdue`
/// soonest first, `done` and all newest first.
#[utoipa::path(
    tag = "hotline",
    security(("bearer" = [])),
    params(FollowUpQuery),
    responses((status = 200, body = FollowUpPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/api/v1/hotline/follow-ups")]
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    me: Staff,
    query: web::Query<FollowUpQuery>,
) -> AppResult<HttpResponse> {
    me.require(followups::READ)?;
    let filter = follow_up_filter(&query)?;
    let after = follow_up_cursor(filter, query.cursor.as_deref())?;
    let limit = cursor::limit(query.limit, 50, 100);
    let now = db::now();
    let items = store::list_follow_ups(&state.db, &me.scope, filter, now, after, limit).await?;
    let ids: Vec<Uuid> = items.iter().map(|f| f.application_id).collect();
    let cases = apps::store::find_many(&state.db, None, ids).await?;
    let lookup = Lookup::load(&state.db, &cases).await?;
    let by_id: HashMap<Uuid, &applications::Model> = cases.iter().map(|a| (a.id, a)).collect();
    let next_cursor = (items.len() as u64 == limit)
        .then(|| items.last())
        .flatten()
        .map(|f| match filter {
            FollowUpFilter::Due | FollowUpFilter::Overdue => cursor::encode_time_id(f.due_at, f.id),
            _ => cursor::encode(&f.id.to_string()),
        });
    let items = items
        .iter()
        .filter_map(|f| {
            by_id
                .get(&f.application_id)
                .map(|a| views::follow_up(f, a, &lookup, now))
        })
        .collect();
    Ok(HttpResponse::Ok().json(FollowUpPage { items, next_cursor }))
}

/// Records a 回访 attempt (operators). Not reached: due again the next working day, given up
/// after 3 attempts. Reached: satisfaction 1–5 is required; 2 or less reopens the case for the
/// supervisor.
#[utoipa::path(
    tag = "hotline",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = FollowUpResultInput,
    responses(
        (status = 200, body = FollowUpResultResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "already done or cancelled, or recorded by someone else meanwhile", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/api/v1/hotline/follow-ups/{id}/result")]
pub async fn record_result(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<Value>,
) -> AppResult<HttpResponse> {
    me.require(followups::RECORD)?;
    let input: FollowUpResultInput = parse(body.into_inner())?;
    let (fu, app) = followups::record_result(&state, &me, *id, &input).await?;
    let lookup = Lookup::load(&state.db, std::slice::from_ref(&app)).await?;
    Ok(HttpResponse::Ok().json(FollowUpResultResponse {
        follow_up: views::follow_up(&fu, &app, &lookup, db::now()),
        application_status: app_views::status(&app),
    }))
}

/// The applicant's number for an open 回访 (operators). Every read is written to the access log.
#[utoipa::path(
    tag = "hotline",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ContactQuery),
    responses(
        (status = 200, body = FollowUpContact),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "the follow-up is no longer open", body = ErrorBody),
    )
)]
#[get("/api/v1/hotline/follow-ups/{id}/contact")]
pub async fn contact(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    query: web::Query<ContactQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    me.require(followups::RECORD)?;
    let fu = store::find_follow_up_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(followups::not_found)?;
    if fu.status != "open" {
        return Err(codes::FOLLOW_UP_CLOSED.with("这项回访已经结束,不再提供联系电话"));
    }
    let app = apps::store::find(&state.db, fu.application_id)
        .await?
        .ok_or_else(followups::not_found)?;
    let phone = state
        .cipher
        .decrypt(
            &context("applicant_phone", app.id),
            &app.applicant_phone_enc,
        )
        .map_err(|e| AppError::Internal(anyhow::anyhow!("phone of {}: {e}", app.id)))?;
    let reason = query
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or("回访")
        .chars()
        .take(200)
        .collect::<String>();
    audit::record(
        &state.db,
        Entry::new(Actor::Staff(me.id), "hotline.follow_up_contact_read")
            .target("application", app.id)
            .detail(json!({ "follow_up_id": fu.id, "reason": reason }))
            .ip(crate::http::client_ip(&req, &state.settings)),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(FollowUpContact {
            follow_up_id: fu.id,
            application_id: app.id,
            applicant_name: app.applicant_name.clone(),
            phone,
        }))
}

/// Satisfaction of completed 回访 by street (operators, supervisors, approvers), inside the
/// caller's jurisdiction, for days `from`–`to` (China time, inclusive).
#[utoipa::path(
    tag = "hotline",
    security(("bearer" = [])),
    params(SatisfactionQuery),
    responses((status = 200, body = SatisfactionReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/api/v1/hotline/satisfaction")]
pub async fn satisfaction(
    state: web::Data<AppState>,
    me: Staff,
    query: web::Query<SatisfactionQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(figures::report(&state.db, &me, &query).await?))
}
