//! Visits and help tasks: recording a visit with its follow-up, a person's visit history, and
//! the community's help tasks.

use actix_web::{HttpResponse, get, post, web};
use serde_json::json;
use uuid::Uuid;

use entity::care_enums::{CareAction, TaskStatus};

use crate::{
    auth::Staff,
    calendar::domain::local_date,
    care::{
        access::{self, READ, VISIT, not_found},
        dto::{
            CaseRef, PageQuery, TaskDoneRequest, TaskPage, TaskQuery, TaskView, VisitPage,
            VisitRequest, VisitResponse,
        },
        store, views, visits,
    },
    db,
    error::{AppError, AppResult, ErrorBody},
    http::cursor,
    state::AppState,
    text::required_text,
};

/// Records a visit. A counted visit (in person where the tier requires it) sets the next due
/// day by the tier's interval, moved off weekends and holidays; a finding may open a help task
/// for the community or an application on the person's behalf (channel `outreach`).
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = VisitRequest,
    responses(
        (status = 201, body = VisitResponse),
        (status = 403, description = "only caseworkers and grid workers record visits", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "archived person, stale record, or the application is a duplicate", body = ErrorBody),
        (status = 422, description = "checklist incomplete, follow-up inconsistent, application fields (`application.…`)", body = ErrorBody),
    )
)]
#[post("/api/v1/care/people/{id}/visits")]
pub async fn record(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<VisitRequest>,
) -> AppResult<HttpResponse> {
    let done = visits::record(&state, &me, *id, body.into_inner()).await?;
    let catalogue = store::catalogue(&state.db).await?;
    let lookup = views::Lookup::load(
        &state.db,
        std::slice::from_ref(&done.person),
        catalogue,
        local_date(db::now()),
        state.settings.care.due_soon_days,
    )
    .await?;
    Ok(HttpResponse::Created().json(VisitResponse {
        visit: views::visit(&done.visit),
        person: lookup.summary(&done.person),
        application: done.application.map(|a| CaseRef {
            id: a.id,
            reference: a.reference,
            assistance_type: a.assistance_type,
            status: a.status,
            channel: a.channel,
        }),
    }))
}

/// A person's visits, newest first.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = VisitPage), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/care/people/{id}/visits")]
pub async fn list(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    me.require(READ)?;
    let person = store::find_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(not_found)?;
    let limit = cursor::limit(query.limit, 20, 100);
    let before = cursor::decode_uuid(query.cursor.as_deref())?;
    let rows = store::visits_of(&state.db, person.id, before, limit).await?;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|v| cursor::encode(&v.id.to_string())))
        .flatten();
    Ok(HttpResponse::Ok().json(VisitPage {
        items: rows.iter().map(views::visit).collect(),
        next_cursor,
    }))
}

/// Help tasks inside the caller's subtree, newest first (open ones by default).
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(TaskQuery),
    responses((status = 200, body = TaskPage), (status = 403, body = ErrorBody))
)]
#[get("/api/v1/care/tasks")]
pub async fn tasks(
    state: web::Data<AppState>,
    me: Staff,
    query: web::Query<TaskQuery>,
) -> AppResult<HttpResponse> {
    me.require(READ)?;
    let limit = cursor::limit(query.limit, 30, 100);
    let before = cursor::decode_uuid(query.cursor.as_deref())?;
    let status = query.status.unwrap_or(TaskStatus::Open);
    let rows = store::tasks(&state.db, &me.scope, Some(status), None, before, limit).await?;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|t| cursor::encode(&t.id.to_string())))
        .flatten();
    Ok(HttpResponse::Ok().json(TaskPage {
        items: rows.iter().map(views::task).collect(),
        next_cursor,
    }))
}

/// Records what was done about a help task; it is then `done`.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = TaskDoneRequest,
    responses(
        (status = 200, body = TaskView),
        (status = 404, body = ErrorBody),
        (status = 409, description = "not an open task", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/api/v1/care/tasks/{id}/done")]
pub async fn finish_task(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<TaskDoneRequest>,
) -> AppResult<HttpResponse> {
    me.require(VISIT)?;
    let note = required_text(Some(&body.note), 2, 500, "请写明做了什么")
        .map_err(|e| AppError::field("note", e))?;
    let task = store::find_task_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(|| AppError::not_found("care_task_not_found", "没有找到这项帮扶任务"))?;
    let txn = db::begin(&state.db).await?;
    if !store::finish_task(&txn, task.id, me.id, &note).await? {
        return Err(AppError::conflict("task_not_open", "这项帮扶任务已经办结"));
    }
    store::record(
        &txn,
        store::event(
            task.person_id,
            &access::actor(&me),
            CareAction::HelpTaskDone,
            Some(note),
            Some(json!({ "task_id": task.id })),
        ),
    )
    .await?;
    txn.commit().await?;
    let task = store::find_task_in_scope(&state.db, &me.scope, task.id)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(views::task(&task)))
}
