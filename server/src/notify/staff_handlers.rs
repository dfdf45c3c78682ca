//! Staff notifications: the inbox, marking read, the live SSE stream (resumable with
//! `Last-Event-ID`), a case's deliveries, and the dead-letter queue for admins.

use std::{
    collections::{HashSet, VecDeque},
    convert::Infallible,
};

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use futures_util::stream as live_stream;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use entity::staff_notifications;

use crate::{
    applications as apps,
    auth::Staff,
    error::{AppError, AppResult, ErrorBody, codes},
    http::{bearer_token, cursor},
    notify::{
        dto::{DeliveryList, DeliveryView, InboxItem, InboxPage, InboxQuery, StreamQuery},
        hub::FeedItem,
        inbox,
        store::{self},
        transport::Message,
    },
    staff::Role,
    state::AppState,
};

fn before_cursor(c: Option<&str>) -> AppResult<Option<Uuid>> {
    cursor::decode_uuid(c)
}

/// The caller's inbox, newest first.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(InboxQuery),
    responses((status = 200, body = InboxPage))
)]
#[get("/api/v1/staff/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    me: Staff,
    query: web::Query<InboxQuery>,
) -> AppResult<HttpResponse> {
    let limit = cursor::limit(query.limit, 30, 100);
    let rows = inbox::list(
        &state.db,
        me.id,
        query.unread,
        before_cursor(query.cursor.as_deref())?,
        limit,
    )
    .await?;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| cursor::encode(&r.id.to_string())))
        .flatten();
    Ok(HttpResponse::Ok().json(InboxPage {
        items: rows.into_iter().map(InboxItem::from).collect(),
        next_cursor,
    }))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InboxItem), (status = 404, body = ErrorBody))
)]
#[post("/api/v1/staff/notifications/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let not_found = || AppError::from(codes::NOTIFICATION_NOT_FOUND);
    inbox::find_own(&state.db, me.id, *id)
        .await?
        .ok_or_else(not_found)?;
    inbox::mark_read(&state.db, me.id, *id).await?;
    let row = inbox::find_own(&state.db, me.id, *id)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(InboxItem::from(row)))
}

struct Live {
    state: web::Data<AppState>,
    staff_id: Uuid,
    /// Re-checked at every heartbeat: a disabled account or an expired token ends the stream.
    token: String,
    closing: bool,
    queue: VecDeque<staff_notifications::Model>,
    sent: HashSet<Uuid>,
    rx: tokio::sync::broadcast::Receiver<FeedItem>,
    heartbeat: tokio::time::Interval,
    greeted: bool,
}

fn frame(row: &staff_notifications::Model) -> web::Bytes {
    let data = serde_json::to_string(&InboxItem::from(row.clone())).unwrap_or_else(|_| "{}".into());
    web::Bytes::from(format!(
        "id: {}\nevent: notification\ndata: {data}\n\n",
        row.id
    ))
}

/// This instance is shutting down: the client is told to reconnect (to another instance, with
/// its `Last-Event-ID`), and the stream ends.
fn reconnect(mut live: Live) -> (Result<web::Bytes, Infallible>, Live) {
    live.closing = true;
    let frame = web::Bytes::from_static(
        b"event: reconnect\nretry: 500\ndata: {\"reason\":\"server_shutting_down\"}\n\n",
    );
    (Ok(frame), live)
}

async fn next(mut live: Live) -> Option<(Result<web::Bytes, Infallible>, Live)> {
    if live.closing {
        return None;
    }
    if !live.greeted {
        live.greeted = true;
        return Some((Ok(web::Bytes::from_static(b"retry: 3000\n\n")), live));
    }
    if live.state.notifier.hub.is_closed() {
        return Some(reconnect(live));
    }
    loop {
        if let Some(row) = live.queue.pop_front() {
            if !live.sent.insert(row.id) {
                continue;
            }
            if live.sent.len() > 2000 {
                live.sent.clear();
                live.sent.insert(row.id);
            }
            return Some((Ok(frame(&row)), live));
        }
        let state = live.state.clone();
        tokio::select! {
            _ = state.notifier.hub.closed() => return Some(reconnect(live)),
            _ = live.heartbeat.tick() => {
                let verdict = match Staff::authenticate(&live.state, &live.token).await {
                    Ok(me) if me.id == live.staff_id => None,
                    Ok(_) => Some(AppError::from(codes::INVALID_TOKEN)),
                    // A disabled account or an expired token: the session is over.
                    Err(e @ AppError::Unauthorized { .. }) => Some(e),
                    // A passing database hiccup is no reason to drop a caseworker's feed.
                    Err(e) => {
                        tracing::warn!(error = %e, "could not re-check an SSE session; keeping it");
                        None
                    }
                };
                return match verdict {
                    None => Some((Ok(web::Bytes::from_static(b": heartbeat\n\n")), live)),
                    Some(e) => {
                        // Tell the client why, then close: it must log in again.
                        let data = serde_json::to_string(&e.body()).unwrap_or_default();
                        live.closing = true;
                        Some((Ok(web::Bytes::from(format!("event: session_ended\ndata: {data}\n\n"))), live))
                    }
                };
            }
            item = live.rx.recv() => match item {
                Ok(item) if item.staff_id == live.staff_id && !live.sent.contains(&item.inbox_id) => {
                    if let Ok(Some(row)) = inbox::find_own(&live.state.db, live.staff_id, item.inbox_id).await {
                        live.queue.push_back(row);
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    // Too slow to keep up: catch up from the inbox.
                    if let Ok(rows) = inbox::list(&live.state.db, live.staff_id, false, None, 100).await {
                        live.queue.extend(rows.into_iter().rev());
                    }
                }
                Err(RecvError::Closed) => return None,
            },
        }
    }
}

/// Live notifications as Server-Sent Events: one event per inbox row (its id is the event id),
/// a heartbeat comment every 15 s, and on reconnect with `Last-Event-ID` everything missed.
/// When the instance shuts down the stream ends with `event: reconnect`.
/// `EventSource` cannot send headers, so `?access_token=` is accepted too.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(StreamQuery, ("Last-Event-ID" = Option<String>, Header)),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 401, body = ErrorBody))
)]
#[get("/api/v1/staff/notifications/stream")]
pub async fn stream(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<StreamQuery>,
) -> AppResult<HttpResponse> {
    let token = bearer_token(&req)
        .map(str::to_string)
        .or_else(|| query.access_token.clone())
        .ok_or_else(|| AppError::from(codes::MISSING_TOKEN))?;
    let me = Staff::authenticate(&state, &token).await?;
    let last_event_id = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Uuid::parse_str(v.trim()).ok())
        .or(query.last_event_id);
    // Subscribe before reading the backlog, so nothing falls between the two.
    let rx = state.notifier.hub.subscribe();
    let backlog = match last_event_id {
        Some(after) => inbox::since(&state.db, me.id, after, 500).await?,
        None => Vec::new(),
    };
    let heartbeat = state.settings.notify.sse_heartbeat;
    let live = Live {
        state: state.clone(),
        staff_id: me.id,
        token,
        closing: false,
        queue: backlog.into(),
        sent: HashSet::new(),
        rx,
        heartbeat: tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat),
        greeted: false,
    };
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        // Not reused after the stream: a closed stream must not hold a shutdown open.
        .force_close()
        .streaming(live_stream::unfold(live, next)))
}

/// What went to whom for a case, and how it went.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DeliveryList), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/staff/applications/{id}/deliveries")]
pub async fn for_application(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let app = apps::store::find_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(apps::not_found)?;
    let rows = store::of_application(&state.db, app.id).await?;
    Ok(HttpResponse::Ok().json(DeliveryList {
        items: rows.into_iter().map(DeliveryView::from).collect(),
        next_cursor: None,
    }))
}

/// Notifications given up on, inside the caller's subtree (admins and supervisors).
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(InboxQuery),
    responses((status = 200, body = DeliveryList), (status = 403, body = ErrorBody))
)]
#[get("/api/v1/admin/notifications/dead")]
pub async fn dead(
    state: web::Data<AppState>,
    me: Staff,
    query: web::Query<InboxQuery>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin, Role::Supervisor])?;
    let limit = cursor::limit(query.limit, 50, 200);
    let before = before_cursor(query.cursor.as_deref())?;
    let rows = store::dead_letters(&state.db, &me.scope, before, limit).await?;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| cursor::encode(&r.id.to_string())))
        .flatten();
    Ok(HttpResponse::Ok().json(DeliveryList {
        items: rows.into_iter().map(DeliveryView::from).collect(),
        next_cursor,
    }))
}

/// Sends a dead notification again (after fixing its cause, e.g. a template).
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DeliveryView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/api/v1/admin/notifications/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin, Role::Supervisor])?;
    let found = store::find_dead_letter(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(|| codes::NOTIFICATION_NOT_FOUND.with("没有这条失败的通知"))?;
    if !store::revive(&state.db, found.id).await? {
        return Err(AppError::conflict(
            "notification_not_dead",
            "该通知已不在失败队列中",
        ));
    }
    state
        .notifier
        .transport
        .publish(&[Message::Delivery(found.id)])
        .await
        .map_err(AppError::Internal)?;
    let row = store::find(&state.db, found.id)
        .await?
        .ok_or_else(|| codes::NOTIFICATION_NOT_FOUND.with("没有这条失败的通知"))?;
    crate::audit::record(
        &state.db,
        crate::audit::Entry::new(crate::audit::Actor::Staff(me.id), "notification.retry")
            .target("delivery", row.id),
    )
    .await?;
    Ok(HttpResponse::Ok().json(DeliveryView::from(row)))
}
