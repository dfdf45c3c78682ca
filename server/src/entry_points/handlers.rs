//! Entry-point administration: create, list, rename and disable inside the caller's subtree,
//! and the funnel of one entry point.

use actix_web::{HttpResponse, get, patch, post, web};
use uuid::Uuid;

use crate::{
    audit::{self, Actor, Entry},
    auth::Staff,
    db,
    entry_points::{
        domain::{Channel, Scene, china_day, parse_label, parse_range},
        dto::{
            CreateEntryPointRequest, EntryPointList, EntryPointResponse, ListQuery, StatsQuery,
            StatsResponse, UpdateEntryPointRequest,
        },
        store::{self, NewEntryPoint},
    },
    error::{AppError, AppResult, ErrorBody, FieldErrors, codes},
    http::cursor,
    jurisdictions::{self, Level},
    staff::Role,
    state::AppState,
};

/// Who may create, rename and disable entry points.
const MANAGERS: [Role; 2] = [Role::Admin, Role::Supervisor];

pub(crate) fn not_found() -> AppError {
    AppError::from(codes::ENTRY_POINT_NOT_FOUND)
}

/// The entry point with this id inside the caller's subtree, else 404.
pub(crate) async fn find(
    state: &AppState,
    me: &Staff,
    id: Uuid,
) -> AppResult<entity::entry_points::Model> {
    store::find_in_scope(&state.db, &me.scope, id)
        .await?
        .ok_or_else(not_found)
}

/// Creates an entry point for a community inside the caller's subtree. Entry points sit at
/// community level because a resident's case is routed to a community.
#[utoipa::path(
    tag = "entry_points",
    security(("bearer" = [])),
    request_body = CreateEntryPointRequest,
    responses(
        (status = 201, body = EntryPointResponse),
        (status = 403, description = "role not allowed, or the community is outside the caller's subtree", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/api/v1/admin/entry-points")]
pub async fn create(
    state: web::Data<AppState>,
    me: Staff,
    body: web::Json<CreateEntryPointRequest>,
) -> AppResult<HttpResponse> {
    me.require(&MANAGERS)?;
    let body = body.into_inner();
    let mut fields = FieldErrors::new();
    let label = parse_label(&body.label)
        .map_err(|e| fields.insert("label".into(), e))
        .ok();
    let channel = Channel::parse(&body.channel);
    if channel.is_none() {
        fields.insert(
            "channel".into(),
            "渠道应为 poster、community_hall、hotline_sms、door_to_door 或 other".into(),
        );
    }
    let code = body.jurisdiction_code.trim();
    let node = if code.is_empty() {
        fields.insert("jurisdiction_code".into(), "请填写社区区划代码".into());
        None
    } else {
        let node = jurisdictions::store::find_by_code(&state.db, code).await?;
        match &node {
            None => {
                fields.insert("jurisdiction_code".into(), "区划不存在".into());
            }
            Some(n) if Level::parse(&n.level) != Some(Level::Community) => {
                fields.insert(
                    "jurisdiction_code".into(),
                    format!("{}不是社区/村;入口二维码须设在社区/村一级", n.name),
                );
            }
            Some(_) => {}
        }
        node
    };
    let (Some(label), Some(channel), Some(node), true) = (label, channel, node, fields.is_empty())
    else {
        return Err(AppError::validation(fields));
    };
    if !me.scope.contains(&node.path) {
        return Err(codes::OUTSIDE_JURISDICTION.with("只能为本辖区内的社区设置入口二维码"));
    }
    // About 70 random bits: a collision is practically impossible; should one happen the
    // unique index answers 409 `scene_taken` and the caller simply retries.
    let scene = Scene::generate();
    let txn = db::begin(&state.db).await?;
    let entry = store::insert(
        &txn,
        NewEntryPoint {
            scene: &scene,
            community: &node,
            label: &label,
            channel,
            created_by: me.id,
        },
    )
    .await?;
    audit::record(
        &txn,
        Entry::new(Actor::Staff(me.id), "entry_point.create")
            .target("entry_point", entry.id)
            .detail(serde_json::json!({ "jurisdiction": node.code, "channel": channel.as_str() })),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(EntryPointResponse::new(
        &entry,
        &state.settings.public_base_url,
    )))
}

/// Entry points inside the caller's subtree, optionally only below one node; keyset pages.
#[utoipa::path(
    tag = "entry_points",
    security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = EntryPointList), (status = 422, body = ErrorBody))
)]
#[get("/api/v1/admin/entry-points")]
pub async fn list(
    state: web::Data<AppState>,
    me: Staff,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let limit = cursor::limit(q.limit, 50, 200);
    let subtree = match q.jurisdiction_code.as_deref().map(str::trim) {
        Some(code) if !code.is_empty() => Some(
            jurisdictions::store::find_by_code(&state.db, code)
                .await?
                .ok_or_else(|| AppError::field("jurisdiction_code", "区划不存在"))?
                .path,
        ),
        _ => None,
    };
    let after = cursor::decode_uuid(q.cursor.as_deref())?;
    let rows = store::list(&state.db, &me.scope, subtree.as_deref(), after, limit).await?;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| cursor::encode(&r.id.to_string())))
        .flatten();
    let base = &state.settings.public_base_url;
    Ok(HttpResponse::Ok().json(EntryPointList {
        items: rows
            .iter()
            .map(|m| EntryPointResponse::new(m, base))
            .collect(),
        next_cursor,
    }))
}

/// One entry point inside the caller's subtree.
#[utoipa::path(
    tag = "entry_points",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = EntryPointResponse), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/admin/entry-points/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let entry = find(&state, &me, *id).await?;
    Ok(HttpResponse::Ok().json(EntryPointResponse::new(
        &entry,
        &state.settings.public_base_url,
    )))
}

/// Renames, disables or re-enables an entry point. A disabled entry point's codes answer
/// "二维码已失效" when scanned.
#[utoipa::path(
    tag = "entry_points",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = UpdateEntryPointRequest,
    responses(
        (status = 200, body = EntryPointResponse),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[patch("/api/v1/admin/entry-points/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<UpdateEntryPointRequest>,
) -> AppResult<HttpResponse> {
    me.require(&MANAGERS)?;
    let body = body.into_inner();
    let label = body
        .label
        .as_deref()
        .map(parse_label)
        .transpose()
        .map_err(|e| AppError::field("label", e))?;
    let entry = find(&state, &me, *id).await?;
    let txn = db::begin(&state.db).await?;
    let entry = store::update(&txn, entry, label.clone(), body.enabled).await?;
    audit::record(
        &txn,
        Entry::new(Actor::Staff(me.id), "entry_point.update")
            .target("entry_point", entry.id)
            .detail(serde_json::json!({ "label": label, "enabled": body.enabled })),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(EntryPointResponse::new(
        &entry,
        &state.settings.public_base_url,
    )))
}

/// The funnel of one entry point per China-time day: scans and distinct residents.
#[utoipa::path(
    tag = "entry_points",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), StatsQuery),
    responses(
        (status = 200, body = StatsResponse),
        (status = 404, body = ErrorBody),
        (status = 422, description = "bad dates or a range over 366 days", body = ErrorBody),
    )
)]
#[get("/api/v1/admin/entry-points/{id}/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    q: web::Query<StatsQuery>,
) -> AppResult<HttpResponse> {
    let today = china_day(chrono::Utc::now());
    let (from, to) =
        parse_range(q.from.as_deref(), q.to.as_deref(), today).map_err(AppError::validation)?;
    let entry = find(&state, &me, *id).await?;
    let (days, totals) = store::funnel(&state.db, entry.id, from, to).await?;
    Ok(HttpResponse::Ok().json(StatsResponse {
        entry_point_id: entry.id,
        from,
        to,
        timezone: "Asia/Shanghai".into(),
        totals,
        days,
    }))
}
