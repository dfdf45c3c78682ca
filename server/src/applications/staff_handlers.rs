//! The staff side: work lists and case details inside the caller's subtree, actions on cases,
//! and the logged unmasked view of personal data.

use actix_web::{HttpResponse, get, http::header, post, web};
use uuid::Uuid;

use entity::applications;

use crate::{
    applications::{
        dto::{
            ApplicationSummaryPage, PiiQuery, PiiResponse, StaffApplicationResponse,
            StaffListQuery, StaffRef, TransitionRequest,
        },
        pii as personal_data,
        store::{self, AssigneeFilter, Order, StaffFilter},
        transitions::{self, Who},
        views::{self, Lookup},
        workflow::Status,
    },
    audit::{self, Actor, Entry},
    auth::Staff,
    db,
    error::{AppError, AppResult, ErrorBody, codes},
    http::cursor,
    jurisdictions::{self, JurisdictionNode, Level},
    privacy::{IdCardNumber, MobileNumber},
    staff::{self, Role},
    state::AppState,
};

fn bad_query(message: impl Into<String>) -> AppError {
    codes::INVALID_QUERY.with(message)
}

fn parse_filter(state: &AppState, me: &Staff, q: &StaffListQuery) -> AppResult<StaffFilter> {
    let mut statuses = Vec::new();
    for s in q
        .status
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let st = Status::parse(s).ok_or_else(|| bad_query(format!("未知的状态:{s}")))?;
        statuses.push(st.as_str().to_string());
    }
    let sla = match q.sla.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s @ ("on_track" | "at_risk" | "breached")) => Some(s.to_string()),
        Some(other) => {
            return Err(bad_query(format!(
                "sla 应为 on_track、at_risk 或 breached,而不是 {other}"
            )));
        }
        None => None,
    };
    let assignee = match q
        .assignee
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some("me") => Some(AssigneeFilter::Staff(me.id)),
        Some("none") => Some(AssigneeFilter::Unassigned),
        Some(id) => Some(AssigneeFilter::Staff(
            Uuid::parse_str(id).map_err(|_| bad_query("assignee 应为工作人员 id、me 或 none"))?,
        )),
        None => None,
    };
    let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if text.is_some_and(|t| t.chars().count() > 64) {
        return Err(bad_query("搜索内容过长"));
    }
    if text.is_some_and(|t| t.chars().any(char::is_control)) {
        return Err(bad_query("搜索内容包含不可见的控制字符"));
    }
    let today = crate::calendar::domain::local_date(db::now());
    let (mut reference, mut name_fragment, mut id_bidx, mut phone_bidx) = (None, None, None, None);
    if let Some(t) = text {
        if let Ok(id) = IdCardNumber::parse(t, today) {
            id_bidx = Some(state.cipher.blind_index("id_number", id.as_str()));
        } else if let Ok(phone) = MobileNumber::parse(t) {
            phone_bidx = Some(state.cipher.blind_index("phone", phone.as_str()));
        } else if t.to_uppercase().starts_with("ZT") && t.len() == 14 {
            reference = Some(t.to_uppercase());
        } else {
            name_fragment = Some(t.to_string());
        }
    }
    let limit = cursor::limit(q.limit, 20, 100);
    let order = match q.sort.as_deref().unwrap_or("newest") {
        "newest" => Order::Newest {
            before: cursor::decode_uuid(q.cursor.as_deref())?,
        },
        "deadline" => Order::Deadline {
            after: cursor::decode_time_id(q.cursor.as_deref())?,
        },
        other => {
            return Err(bad_query(format!(
                "sort 应为 newest 或 deadline,而不是 {other}"
            )));
        }
    };
    Ok(StaffFilter {
        statuses,
        assistance_type: q.assistance_type.clone().filter(|t| !t.trim().is_empty()),
        sla,
        assignee,
        reference,
        name_fragment,
        id_bidx,
        phone_bidx,
        subtree: None,
        order,
        limit,
    })
}

/// The caller's work list, always inside their subtree, with keyset pagination.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(StaffListQuery),
    responses((status = 200, body = ApplicationSummaryPage), (status = 400, body = ErrorBody))
)]
#[get("/api/v1/staff/applications")]
pub async fn list(
    state: web::Data<AppState>,
    me: Staff,
    query: web::Query<StaffListQuery>,
) -> AppResult<HttpResponse> {
    let mut filter = parse_filter(&state, &me, &query)?;
    if let Some(code) = query
        .jurisdiction_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let node = jurisdictions::store::find_by_code(&state.db, code)
            .await?
            .ok_or_else(|| bad_query("区划不存在"))?;
        filter.subtree = Some(node.path);
    }
    let deadline_order = matches!(filter.order, Order::Deadline { .. });
    let limit = filter.limit;
    let apps = store::list_for_staff(&state.db, &me.scope, filter).await?;
    let lookup = Lookup::load(&state.db, &apps).await?;
    let next_cursor = if apps.len() as u64 == limit {
        apps.last().map(|a| {
            if deadline_order {
                cursor::encode(&format!(
                    "{}|{}",
                    a.deadline_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
                    a.id
                ))
            } else {
                cursor::encode(&a.id.to_string())
            }
        })
    } else {
        None
    };
    let cal = super::sla::calendar(&state.db).await?;
    let now = db::now();
    let items = apps
        .iter()
        .map(|a| {
            let mut item = views::summary(a, &lookup);
            item.working_days_left = a
                .deadline_at
                .filter(|_| views::status(a).is_open())
                .map(|d| views::working_days_left(&cal, now, d));
            item
        })
        .collect();
    Ok(HttpResponse::Ok().json(ApplicationSummaryPage { items, next_cursor }))
}

async fn detail(
    state: &AppState,
    me: &Staff,
    app: &applications::Model,
) -> AppResult<StaffApplicationResponse> {
    let lookup = Lookup::load(&state.db, std::slice::from_ref(app)).await?;
    let assignee = match app.assignee_id {
        Some(id) => staff::store::find_by_id(&state.db, id)
            .await?
            .map(|s| StaffRef {
                id: s.id,
                name: s.display_name.unwrap_or(s.username),
            }),
        None => None,
    };
    let street_code = jurisdictions::domain::path_codes(&app.jurisdiction_path)
        .iter()
        .rev()
        .nth(1)
        .map(|c| c.to_string());
    let street = match street_code {
        Some(code) => jurisdictions::store::find_by_code(&state.db, &code)
            .await?
            .map(|n| JurisdictionNode::from(&n)),
        None => None,
    };
    let timeline = store::timeline(&state.db, app.id, false)
        .await?
        .iter()
        .map(|e| views::timeline_entry(e, false))
        .collect();
    let mut sla = views::sla(app);
    if let Some(deadline) = app.deadline_at.filter(|_| views::status(app).is_open()) {
        let cal = super::sla::calendar(&state.db).await?;
        sla.working_days_left = Some(views::working_days_left(&cal, db::now(), deadline));
    }
    let kind = crate::assistance::store::find(&state.db, &app.assistance_type).await?;
    let allowed_actions = super::allowed::for_staff(me, app, kind.as_ref());
    let emergency_cap_yuan = if allowed_actions.contains(&super::workflow::Action::EmergencyApprove)
    {
        let own = match &street {
            Some(s) => match jurisdictions::store::find_by_code(&state.db, &s.code).await? {
                Some(n) => jurisdictions::store::emergency_cap(&state.db, n.id).await?,
                None => None,
            },
            None => None,
        };
        Some(crate::money::fen_to_yuan(
            own.unwrap_or(state.settings.emergency_cap_fen),
        ))
    } else {
        None
    };
    Ok(StaffApplicationResponse {
        application: views::application(app, &lookup),
        street,
        assignee,
        investigator_id: app.investigator_id,
        sla,
        timeline,
        allowed_actions,
        emergency_cap_yuan,
    })
}

fn not_found() -> AppError {
    super::not_found()
}

/// A case inside the caller's subtree, with deadlines and the full timeline.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = StaffApplicationResponse), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/staff/applications/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let app = store::find_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(detail(&state, &me, &app).await?))
}

/// Takes an action on a case. `expected_version` must be the version last read.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = TransitionRequest,
    responses(
        (status = 200, body = StaffApplicationResponse),
        (status = 403, description = "role may not take this action, or separation of duties", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "wrong state or stale version", body = ErrorBody),
        (status = 422, description = "missing reason, amount, items…", body = ErrorBody),
    )
)]
#[post("/api/v1/staff/applications/{id}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<TransitionRequest>,
) -> AppResult<HttpResponse> {
    let app = transitions::execute(&state, Who::Staff(&me), *id, body.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(detail(&state, &me, &app).await?))
}

/// The unmasked ID numbers and phones of a case, for its assigned caseworker or its street's
/// approver.
/// Every read is written to the access log with the reason given.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), PiiQuery),
    responses(
        (status = 200, body = PiiResponse),
        (status = 403, description = "not the assigned caseworker or the street's approver", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "no reason given", body = ErrorBody),
    )
)]
#[get("/api/v1/staff/applications/{id}/pii")]
pub async fn pii(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    query: web::Query<PiiQuery>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    let reason = crate::text::clean_text(&query.reason, 200, false)
        .ok()
        .filter(|r| r.chars().count() >= 2)
        .ok_or_else(|| AppError::field("reason", "请说明查看完整信息的原因"))?;
    let app = store::find_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(not_found)?;
    let allowed = match me.role {
        // The approver of the case's own street decides it; a wider approver reads masked data.
        Role::Approver => me.scope.level == Level::Street,
        Role::Caseworker => app.assignee_id == Some(me.id),
        _ => false,
    };
    if !allowed {
        tracing::warn!(staff_id = %me.id, application_id = %app.id, "unmasked read refused");
        return Err(AppError::forbidden(
            "pii_not_allowed",
            "只有承办该案件的社区工作者或所在街道的审批人员可以查看完整信息",
        ));
    }
    let revealed = personal_data::reveal(&state.cipher, &app)?;
    audit::record(
        &state.db,
        Entry::new(Actor::Staff(me.id), "application.pii_read")
            .target("application", app.id)
            .detail(serde_json::json!({ "reason": reason }))
            .ip(crate::http::client_ip(&req, &state.settings)),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(revealed))
}
