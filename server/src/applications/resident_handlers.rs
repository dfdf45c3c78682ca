//! The resident's side: apply (with drafts and idempotent retries), follow progress, withdraw
//! and supplement. Another resident's case is always a 404.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    applications::{
        content_check,
        dto::{
            ApplicationInput, ApplicationPage, ApplicationResponse, ResidentListQuery,
            SupplementRequest, TimelineResponse, WithdrawRequest,
        },
        events::EventActor,
        idempotency::{self, Begin},
        intake::{self, Intake},
        store,
        transitions::{self, Command, Who},
        views::{self, Lookup},
        workflow::Action,
    },
    auth::Resident,
    db,
    error::{self, AppError, AppResult, ErrorBody, codes},
    http::cursor,
    state::AppState,
};

fn parse<T: DeserializeOwned>(value: Value) -> AppResult<T> {
    serde_json::from_value(value).map_err(|e| error::serde_error(&e))
}

/// An optional JSON body: empty means all defaults (old clients post nothing).
fn optional_body<T: DeserializeOwned + Default>(bytes: &web::Bytes) -> AppResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|_| AppError::from(codes::MALFORMED_JSON))?;
    parse(value)
}

async fn respond(
    state: &AppState,
    app: &entity::applications::Model,
) -> AppResult<ApplicationResponse> {
    let lookup = Lookup::load(&state.db, std::slice::from_ref(app)).await?;
    Ok(views::application(app, &lookup))
}

/// Applies for assistance (or saves a draft). Send `Idempotency-Key` so a retry on a bad
/// connection cannot create a second application.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe submission")),
    request_body = ApplicationInput,
    responses(
        (status = 201, body = ApplicationResponse),
        (status = 409, description = "an open application of this type exists for this ID number (`details.existing_id`)", body = ErrorBody),
        (status = 422, description = "invalid fields, or the key was used with another body", body = ErrorBody),
    )
)]
#[post("/api/v1/applications")]
pub async fn create(
    state: web::Data<AppState>,
    me: Resident,
    req: HttpRequest,
    body: web::Json<Value>,
) -> AppResult<HttpResponse> {
    let key = idempotency::key(&req)?;
    let body = body.into_inner();
    let hash = idempotency::fingerprint(&body);
    let input: ApplicationInput = parse(body)?;
    // Outside the transaction: a slow WeChat must not hold the database. A retry of an
    // answered request is replayed as it was, not checked again.
    let replay = match &key {
        Some(k) => idempotency::answered(&state.db, me.id, k).await?,
        None => false,
    };
    let verdict = if input.draft || replay {
        content_check::Verdict::Pass
    } else {
        content_check::check(&state, &me.openid, &input.description).await?
    };
    let txn = db::begin(&state.db).await?;
    if let Some(key) = &key
        && let Begin::Replay { status, body } = idempotency::begin(&txn, me.id, key, &hash).await?
    {
        txn.commit().await?;
        let status = actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::OK);
        return Ok(HttpResponse::build(status).json(body));
    }
    let app = intake::create(
        &state,
        &txn,
        Intake {
            channel: "online",
            resident_id: Some(me.id),
            actor: EventActor::resident(&me),
            input: &input,
            staff_scope: None,
        },
    )
    .await?;
    content_check::mark(&txn, app.id, &verdict).await?;
    let lookup = Lookup::load(&txn, std::slice::from_ref(&app)).await?;
    let response = views::application(&app, &lookup);
    if let Some(key) = &key {
        idempotency::finish(&txn, me.id, key, 201, &json!(response)).await?;
    }
    txn.commit().await?;
    state.notifier.wake();
    Ok(HttpResponse::Created().json(response))
}

/// The resident's own applications, newest first.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(ResidentListQuery),
    responses((status = 200, body = ApplicationPage))
)]
#[get("/api/v1/me/applications")]
pub async fn list_mine(
    state: web::Data<AppState>,
    me: Resident,
    query: web::Query<ResidentListQuery>,
) -> AppResult<HttpResponse> {
    let limit = cursor::limit(query.limit, 20, 50);
    let before = cursor::decode_uuid(query.cursor.as_deref())?;
    let apps = store::list_for_resident(&state.db, me.id, before, limit).await?;
    let lookup = Lookup::load(&state.db, &apps).await?;
    let next_cursor = (apps.len() as u64 == limit)
        .then(|| apps.last().map(|a| cursor::encode(&a.id.to_string())))
        .flatten();
    let items = apps
        .iter()
        .map(|a| views::application(a, &lookup))
        .collect();
    Ok(HttpResponse::Ok().json(ApplicationPage { items, next_cursor }))
}

/// One of the resident's applications.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationResponse), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/applications/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    me: Resident,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let app = store::find_for_resident(&state.db, me.id, *id)
        .await?
        .ok_or_else(super::not_found)?;
    Ok(HttpResponse::Ok().json(respond(&state, &app).await?))
}

/// Replaces a draft's content.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ApplicationInput,
    responses(
        (status = 200, body = ApplicationResponse),
        (status = 404, body = ErrorBody),
        (status = 409, description = "not a draft any more", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[put("/api/v1/applications/{id}")]
pub async fn update_draft(
    state: web::Data<AppState>,
    me: Resident,
    id: web::Path<Uuid>,
    body: web::Json<Value>,
) -> AppResult<HttpResponse> {
    let input: ApplicationInput = parse(body.into_inner())?;
    let txn = db::begin(&state.db).await?;
    let app = intake::update_draft(&state, &txn, &me, *id, &input).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(respond(&state, &app).await?))
}

#[derive(Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    pub expected_version: Option<i32>,
}

/// Submits a draft; everything its type requires must be filled in by now.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body(content = Option<SubmitRequest>, description = "optional"),
    responses(
        (status = 200, body = ApplicationResponse),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "fields still missing", body = ErrorBody),
    )
)]
#[post("/api/v1/applications/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    me: Resident,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let req: SubmitRequest = optional_body(&body)?;
    let verdict = match store::find_for_resident(&state.db, me.id, *id).await? {
        Some(draft) if draft.status == "draft" => {
            content_check::check(&state, &me.openid, &draft.description).await?
        }
        _ => content_check::Verdict::Pass,
    };
    let txn = db::begin(&state.db).await?;
    let app = intake::submit(&state, &txn, &me, *id, req.expected_version).await?;
    content_check::mark(&txn, app.id, &verdict).await?;
    txn.commit().await?;
    state.notifier.wake();
    Ok(HttpResponse::Ok().json(respond(&state, &app).await?))
}

/// Withdraws an application that has not been decided yet.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body(content = Option<WithdrawRequest>, description = "optional"),
    responses((status = 200, body = ApplicationResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[post("/api/v1/applications/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    me: Resident,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let req: WithdrawRequest = optional_body(&body)?;
    let app = transitions::execute(
        &state,
        Who::Resident(&me),
        *id,
        Command {
            action: Some(Action::Withdraw),
            expected_version: req.expected_version,
            reason: req.reason,
            ..Command::default()
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(respond(&state, &app).await?))
}

/// Supplies what the caseworker asked for; the case returns to where it was and its clock
/// runs again.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = SupplementRequest,
    responses(
        (status = 200, body = ApplicationResponse),
        (status = 404, body = ErrorBody),
        (status = 409, description = "nothing was asked for", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/api/v1/applications/{id}/supplement")]
pub async fn supplement(
    state: web::Data<AppState>,
    me: Resident,
    id: web::Path<Uuid>,
    body: web::Json<SupplementRequest>,
) -> AppResult<HttpResponse> {
    let req = body.into_inner();
    let app = transitions::execute(
        &state,
        Who::Resident(&me),
        *id,
        Command {
            action: Some(Action::Supplement),
            expected_version: req.expected_version,
            supplement: Some(req),
            ..Command::default()
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(respond(&state, &app).await?))
}

/// What happened to the application, as the resident may see it (public entries and notes).
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TimelineResponse), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/applications/{id}/timeline")]
pub async fn timeline(
    state: web::Data<AppState>,
    me: Resident,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let app = store::find_for_resident(&state.db, me.id, *id)
        .await?
        .ok_or_else(super::not_found)?;
    let items = store::timeline(&state.db, app.id, true)
        .await?
        .iter()
        .map(|e| views::timeline_entry(e, true))
        .collect();
    Ok(HttpResponse::Ok().json(TimelineResponse { items }))
}
