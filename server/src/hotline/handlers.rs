//! HTTP handlers of calls, caller history and the platform's callbacks: thin wrappers that
//! parse, call the service and build the masked response.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    applications::{
        self as apps,
        store::{Order, StaffFilter},
        views::{self as app_views, Lookup},
    },
    auth::Staff,
    error::{self, AppError, AppResult, ErrorBody, codes},
    hotline::{
        callbacks, calls,
        domain::CallerNumber,
        dto::{
            CallEntryResponse, CallInput, CallView, CallbackAck, CallbackEvent, CallerCase,
            CallerHistory, TaskDoneInput, TaskPage, TaskQuery,
        },
        signature, store,
        views::{self, CallLookup},
    },
    http::cursor,
    state::AppState,
};

/// Calls and cases shown in a caller's history.
const HISTORY_LIMIT: u64 = 50;

pub(crate) fn parse<T: DeserializeOwned>(value: Value) -> AppResult<T> {
    serde_json::from_value(value).map_err(|e| error::serde_error(&e))
}

fn call_not_found() -> AppError {
    AppError::not_found("call_not_found", "没有找到这通来电")
}

async fn call_view(
    state: &AppState,
    me: &Staff,
    call: &entity::hotline_calls::Model,
) -> AppResult<CallView> {
    let lookup = CallLookup::load(&state.db, &me.scope, std::slice::from_ref(call)).await?;
    Ok(views::call(call, &lookup))
}

/// Records a call (operators). With `application` it opens a case on the caller's behalf
/// (channel `hotline`) in the same transaction; with `link_application_id` it is recorded
/// against an existing case; a help request without either becomes a task for the community.
#[utoipa::path(
    tag = "hotline",
    security(("bearer" = [])),
    request_body = CallInput,
    responses(
        (status = 201, body = CallEntryResponse),
        (status = 403, description = "not an operator", body = ErrorBody),
        (status = 404, description = "the linked case is not in the operator's jurisdiction", body = ErrorBody),
        (status = 409, description = "the platform call was already entered, or a duplicate application", body = ErrorBody),
        (status = 422, description = "every invalid field, the application's prefixed `application.`", body = ErrorBody),
    )
)]
#[post("/api/v1/hotline/calls")]
pub async fn create_call(
    state: web::Data<AppState>,
    me: Staff,
    body: web::Json<Value>,
) -> AppResult<HttpResponse> {
    me.require(calls::ENTER)?;
    let input: CallInput = parse(body.into_inner())?;
    let entered = calls::enter(&state, &me, input).await?;
    let application = match &entered.application {
        Some(app) => {
            let lookup = Lookup::load(&state.db, std::slice::from_ref(app)).await?;
            Some(app_views::application(app, &lookup))
        }
        None => None,
    };
    Ok(HttpResponse::Created().json(CallEntryResponse {
        call: call_view(&state, &me, &entered.call).await?,
        application,
    }))
}

/// One call inside the caller's jurisdiction (a caseworker opens the help request it was sent).
#[utoipa::path(
    tag = "hotline",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CallView), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/hotline/calls/{id}")]
pub async fn get_call(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    // Calls are casework: administrators manage the system, not callers' words.
    me.require(&[
        crate::staff::Role::Operator,
        crate::staff::Role::Supervisor,
        crate::staff::Role::Caseworker,
        crate::staff::Role::Approver,
    ])?;
    let call = store::find_call_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(call_not_found)?;
    let mut view = call_view(&state, &me, &call).await?;
    // The recording is for the hotline's own people.
    if !calls::READ.contains(&me.role) {
        view.recording_url = None;
    }
    Ok(HttpResponse::Ok().json(view))
}

/// Earlier calls and cases of a number (operators, supervisors), newest first, inside the
/// caller's jurisdiction: the cases where it is the applicant's number and the cases its calls
/// were about.
#[utoipa::path(
    tag = "hotline",
    security(("bearer" = [])),
    params(("phone" = String, Path, description = "mobile, or landline with area code")),
    responses(
        (status = 200, body = CallerHistory),
        (status = 403, body = ErrorBody),
        (status = 422, description = "not a phone number", body = ErrorBody),
    )
)]
#[get("/api/v1/hotline/callers/{phone}")]
pub async fn caller_history(
    state: web::Data<AppState>,
    me: Staff,
    phone: web::Path<String>,
) -> AppResult<HttpResponse> {
    me.require(calls::READ)?;
    let phone = CallerNumber::parse(&phone).map_err(|e| AppError::field("phone", e))?;
    let bidx = state
        .cipher
        .blind_index(crate::privacy::index::PHONE, phone.as_str());
    let calls = store::calls_by_phone(&state.db, &me.scope, &bidx, HISTORY_LIMIT).await?;
    let mut cases = apps::store::list_for_staff(
        &state.db,
        &me.scope,
        StaffFilter {
            statuses: Vec::new(),
            assistance_type: None,
            sla: None,
            assignee: None,
            reference: None,
            name_fragment: None,
            id_bidx: None,
            phone_bidx: Some(bidx.clone()),
            subtree: None,
            order: Order::Newest { before: None },
            limit: HISTORY_LIMIT,
        },
    )
    .await?;
    let mut about: HashMap<Uuid, u32> = HashMap::new();
    for id in calls.iter().filter_map(|c| c.application_id) {
        *about.entry(id).or_default() += 1;
    }
    for id in about.keys() {
        if !cases.iter().any(|a| a.id == *id)
            && let Some(app) = apps::store::find_in_scope(&state.db, &me.scope, *id).await?
        {
            cases.push(app);
        }
    }
    cases.sort_by_key(|a| std::cmp::Reverse(a.id));
    let lookup = Lookup::load(&state.db, &cases).await?;
    let call_lookup = CallLookup::load(&state.db, &me.scope, &calls).await?;
    Ok(HttpResponse::Ok().json(CallerHistory {
        phone: phone.masked(),
        calls: calls.iter().map(|c| views::call(c, &call_lookup)).collect(),
        applications: cases
            .iter()
            .map(|a| CallerCase {
                application: app_views::summary(a, &lookup),
                calls_about_it: about.get(&a.id).copied().unwrap_or(0),
                caller_is_applicant: a.applicant_phone_bidx == bidx,
            })
            .collect(),
    }))
}

/// The telephony platform's events. Authenticated by `X-Hotline-Signature: t=<unix>,v1=<hex>`
/// (HMAC-SHA256 of `"{t}.{raw body}"`, ±300 s, current or previous secret); idempotent by
/// `event_id`. The recording URL is stored, never fetched.
#[utoipa::path(
    tag = "hotline",
    params(("X-Hotline-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256>")),
    request_body = CallbackEvent,
    responses(
        (status = 200, description = "processed, or a repeat of a processed event", body = CallbackAck),
        (status = 401, description = "missing, malformed, stale or wrong signature; no effect", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/api/v1/hotline/callbacks")]
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    if body.len() > callbacks::BODY_LIMIT {
        return Err(AppError::PayloadTooLarge);
    }
    // A header that is not visible ASCII reads as empty, which is malformed.
    let header = req
        .headers()
        .get(signature::HEADER)
        .map(|v| v.to_str().unwrap_or_default());
    let source = crate::http::client_ip(&req, &state.settings);
    let ack = callbacks::receive(&state, header, &body, &source).await?;
    Ok(HttpResponse::Ok().json(ack))
}

/// Who works help-request tasks: the community's caseworkers, the street above them and the
/// hotline that took the call.
const TASK_ROLES: &[crate::staff::Role] = &[
    crate::staff::Role::Caseworker,
    crate::staff::Role::Approver,
    crate::staff::Role::Supervisor,
    crate::staff::Role::Operator,
];

/// Help requests taken by phone without an application, as tasks inside the caller's
/// jurisdiction: `open` ones oldest first, `done` ones newest first.
#[utoipa::path(
    tag = "hotline",
    security(("bearer" = [])),
    params(TaskQuery),
    responses((status = 200, body = TaskPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody))
)]
#[get("/api/v1/hotline/tasks")]
pub async fn list_tasks(
    state: web::Data<AppState>,
    me: Staff,
    q: web::Query<TaskQuery>,
) -> AppResult<HttpResponse> {
    me.require(TASK_ROLES)?;
    let open = match q.status.as_deref().map(str::trim) {
        None | Some("") | Some("open") => true,
        Some("done") => false,
        Some(_) => {
            return Err(codes::INVALID_QUERY.with("status 应为 open 或 done"));
        }
    };
    let after = cursor::decode_uuid(q.cursor.as_deref())?;
    let limit = cursor::limit(q.limit, 20, 100);
    let rows = store::tasks(&state.db, &me.scope, open, after, limit).await?;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|c| cursor::encode(&c.id.to_string())))
        .flatten();
    let lookup = CallLookup::load(&state.db, &me.scope, &rows).await?;
    Ok(HttpResponse::Ok().json(TaskPage {
        items: rows.iter().map(|c| views::call(c, &lookup)).collect(),
        next_cursor,
    }))
}

/// Records what was done about a help request; the task is then `done`.
#[utoipa::path(
    tag = "hotline",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the call's id")),
    request_body = TaskDoneInput,
    responses(
        (status = 200, body = CallView),
        (status = 404, body = ErrorBody),
        (status = 409, description = "not an open task", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/api/v1/hotline/tasks/{id}/done")]
pub async fn finish_task(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<TaskDoneInput>,
) -> AppResult<HttpResponse> {
    me.require(&[
        crate::staff::Role::Caseworker,
        crate::staff::Role::Approver,
        crate::staff::Role::Supervisor,
    ])?;
    let note = crate::text::required_text(Some(&body.note), 2, 1000, "请写明处理情况(至少 2 个字)")
        .map_err(|e| AppError::field("note", e))?;
    let call = store::find_call_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(call_not_found)?;
    if !store::finish_task(&state.db, call.id, me.id, &note, crate::db::now()).await? {
        return Err(AppError::Conflict {
            code: "task_not_open",
            message: "这条求助不是待处理的工单(可能已由他人办结)".into(),
            details: Some(serde_json::json!({ "task": call.task_status })),
        });
    }
    tracing::info!(call_id = %call.id, "help request task done");
    let call = store::find_call(&state.db, call.id)
        .await?
        .ok_or_else(call_not_found)?;
    Ok(HttpResponse::Ok().json(call_view(&state, &me, &call).await?))
}
