//! Changing a person's record: details, groups and tiers (with a reason), their worker, and
//! archiving. Each change is conditional on the version last read and lands on the timeline.

use actix_web::{HttpResponse, patch, put, web};
use chrono::NaiveDate;
use sea_orm::ActiveValue::Set;
use serde_json::json;
use uuid::Uuid;

use entity::{
    care_enums::{CareAction, PersonStatus},
    care_people,
};

use crate::{
    auth::Staff,
    calendar::domain::local_date,
    care::{
        access::{self, WRITE, not_found, stale},
        checks,
        dto::{
            AssignWorkerRequest, ChangeGroupsRequest, ChangeStatusRequest, PersonDetail,
            UpdatePersonRequest,
        },
        handlers_people::detail,
        registry::{self, Directory, Place},
        store,
    },
    db,
    error::{AppError, AppResult, ErrorBody, FieldErrors},
    jurisdictions::store as juris,
    outbox::{self, Audience, Notice, OutboxEvent},
    state::AppState,
};

async fn current(
    state: &AppState,
    me: &Staff,
    id: Uuid,
    version: i32,
) -> AppResult<care_people::Model> {
    me.require(WRITE)?;
    let person = store::find_in_scope(&state.db, &me.scope, id)
        .await?
        .ok_or_else(not_found)?;
    if person.version != version {
        return Err(stale());
    }
    Ok(person)
}

async fn place_of(state: &AppState, p: &care_people::Model) -> AppResult<Place> {
    let community = juris::find_by_id(&state.db, p.community_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("community of {} missing", p.id)))?;
    let grid = match p.grid_id {
        Some(g) => juris::find_by_id(&state.db, g).await?,
        None => None,
    };
    Ok(Place { community, grid })
}

/// The day a schedule restarts from: the last visit, else the enrolment.
fn base(p: &care_people::Model) -> NaiveDate {
    p.last_visited_at.map_or(p.enrolled_on, local_date)
}

async fn save(
    state: &AppState,
    me: &Staff,
    p: &care_people::Model,
    changes: care_people::ActiveModel,
    event: (CareAction, Option<String>, Option<serde_json::Value>),
    groups: Option<&[(String, i32)]>,
) -> AppResult<HttpResponse> {
    let txn = db::begin(&state.db).await?;
    if !store::update_versioned(&txn, p.id, p.version, changes).await? {
        return Err(stale());
    }
    if let Some(groups) = groups {
        store::replace_memberships(&txn, p.id, groups).await?;
    }
    let (action, note, data) = event;
    store::record(
        &txn,
        store::event(p.id, &access::actor(me), action, note, data),
    )
    .await?;
    txn.commit().await?;
    let person = store::find(&state.db, p.id).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(detail(state, me, person).await?))
}

/// Changes contact details, the address, the grid or the note.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = UpdatePersonRequest,
    responses((status = 200, body = PersonDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[patch("/api/v1/care/people/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<UpdatePersonRequest>,
) -> AppResult<HttpResponse> {
    let req = body.into_inner();
    let p = current(&state, &me, *id, req.expected_version).await?;
    let mut fields = FieldErrors::new();
    let mut changes = care_people::ActiveModel::default();
    let mut changed = Vec::new();
    if let Some(phone) = &req.phone
        && let Some(phone) = checks::optional_phone(Some(phone), "phone", &mut fields)
    {
        registry::set_phone(&state.cipher, &mut changes, p.id, phone.as_ref());
        changed.push("phone");
    }
    if let Some(a) = &req.address
        && let Some(a) = checks::address(a, &mut fields)
    {
        changes.address = Set(a);
        changed.push("address");
    }
    if let Some(n) = &req.note
        && let Some(n) = checks::note(n, "note", &mut fields)
    {
        changes.note = Set(n);
        changed.push("note");
    }
    if let Some(c) = &req.contacts
        && let Some(c) = checks::contacts(c, &mut fields)
    {
        registry::set_contacts(&state.cipher, &mut changes, p.id, &c);
        changed.push("contacts");
    }
    if let Some(grid) = &req.grid_code {
        let community = place_of(&state, &p).await?.community;
        let mut dir = Directory::default();
        if let Some(place) = registry::place(
            &state.db,
            &mut dir,
            Some(&me.scope),
            &community.code,
            Some(grid),
            &mut fields,
        )
        .await?
        {
            changes.grid_id = Set(place.grid.as_ref().map(|g| g.id));
            changes.jurisdiction_path = Set(place.path().to_string());
            // A grid worker of the old grid no longer looks after the person.
            if p.grid_id != place.grid.as_ref().map(|g| g.id) && p.worker_id.is_some() {
                let mut f = FieldErrors::new();
                let kept = match p.worker_id {
                    Some(w) => {
                        registry::check_worker(&state.db, &mut dir, w, &place, "worker_id", &mut f)
                            .await?
                    }
                    None => true,
                };
                if !kept {
                    changes.worker_id = Set(None);
                }
            }
            changed.push("grid");
        }
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    save(
        &state,
        &me,
        &p,
        changes,
        (
            CareAction::Updated,
            None,
            Some(json!({ "changed": changed })),
        ),
        None,
    )
    .await
}

/// New groups or tiers. The reason is required and kept; the next visit is rescheduled from
/// the last one by the new most demanding interval.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ChangeGroupsRequest,
    responses((status = 200, body = PersonDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/api/v1/care/people/{id}/groups")]
pub async fn change_groups(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<ChangeGroupsRequest>,
) -> AppResult<HttpResponse> {
    let req = body.into_inner();
    let p = current(&state, &me, *id, req.expected_version).await?;
    let catalogue = store::catalogue(&state.db).await?;
    let mut fields = FieldErrors::new();
    let groups = checks::groups(&req.groups, &catalogue, &mut fields);
    let reason = checks::reason(&req.reason, "reason")
        .map_err(|e| fields.extend(e))
        .ok();
    let (Some(groups), Some(reason)) = (groups, reason) else {
        return Err(AppError::validation(fields));
    };
    let before: Vec<(String, i32)> = store::memberships_of(&state.db, &[p.id])
        .await?
        .remove(&p.id)
        .unwrap_or_default()
        .into_iter()
        .map(|m| (m.group_code, m.tier))
        .collect();
    let cal = crate::calendar::store::load(&state.db).await?;
    let mut changes = care_people::ActiveModel::default();
    let req_now = registry::requirement(&catalogue, &groups);
    registry::schedule(
        &mut changes,
        &cal,
        &state.settings.care,
        base(&p),
        req_now.interval_days,
    );
    let show = |gs: &[(String, i32)]| {
        gs.iter()
            .map(|(g, t)| {
                format!(
                    "{}{}",
                    catalogue.group_name(g),
                    crate::care::domain::tier_name(*t)
                )
            })
            .collect::<Vec<_>>()
    };
    let data = json!({ "from": show(&before), "to": show(&groups) });
    save(
        &state,
        &me,
        &p,
        changes,
        (CareAction::TierChanged, Some(reason), Some(data)),
        Some(&groups),
    )
    .await
}

/// Assigns the worker who visits (a caseworker of the community or a grid worker of the grid),
/// or none; the new worker is told.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = AssignWorkerRequest,
    responses((status = 200, body = PersonDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/api/v1/care/people/{id}/worker")]
pub async fn assign_worker(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<AssignWorkerRequest>,
) -> AppResult<HttpResponse> {
    let req = body.into_inner();
    let p = current(&state, &me, *id, req.expected_version).await?;
    if let Some(w) = req.worker_id {
        let place = place_of(&state, &p).await?;
        let mut fields = FieldErrors::new();
        if !registry::check_worker(
            &state.db,
            &mut Directory::default(),
            w,
            &place,
            "worker_id",
            &mut fields,
        )
        .await?
        {
            return Err(AppError::validation(fields));
        }
    }
    let changes = care_people::ActiveModel {
        worker_id: Set(req.worker_id),
        ..Default::default()
    };
    let txn = db::begin(&state.db).await?;
    if !store::update_versioned(&txn, p.id, p.version, changes).await? {
        return Err(stale());
    }
    store::record(
        &txn,
        store::event(
            p.id,
            &access::actor(&me),
            CareAction::WorkerAssigned,
            None,
            Some(json!({ "worker_id": req.worker_id })),
        ),
    )
    .await?;
    if let Some(w) = req.worker_id {
        let notice = Notice {
            person_id: Some(p.id),
            assignee_id: Some(w),
            jurisdiction_path: Some(p.jurisdiction_path.clone()),
            community_id: Some(p.community_id),
            visit_due_on: Some(p.visit_due_on),
            note: Some(format!("下次走访:{}", p.visit_due_on)),
            ..Notice::to(&[Audience::Caseworkers])
        };
        outbox::enqueue(
            &txn,
            OutboxEvent {
                aggregate_type: "care_person",
                aggregate_id: p.id,
                aggregate_version: p.version + 1,
                event_type: "care.assigned".into(),
                notice,
            },
        )
        .await?;
    }
    txn.commit().await?;
    state.notifier.wake();
    let person = store::find(&state.db, p.id).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(detail(&state, &me, person).await?))
}

/// Archives a person (moved, deceased, no longer at risk) or takes them back; with a reason.
/// An archived person is neither visited nor alerted about.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ChangeStatusRequest,
    responses((status = 200, body = PersonDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/api/v1/care/people/{id}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    body: web::Json<ChangeStatusRequest>,
) -> AppResult<HttpResponse> {
    let req = body.into_inner();
    let p = current(&state, &me, *id, req.expected_version).await?;
    let reason = checks::reason(&req.reason, "reason").map_err(AppError::validation)?;
    if p.status == req.status {
        return Err(AppError::conflict("status_unchanged", "该人员已是这一状态"));
    }
    let mut changes = care_people::ActiveModel {
        status: Set(req.status),
        ..Default::default()
    };
    let action = match req.status {
        PersonStatus::Archived => {
            changes.next_alert_at = Set(None);
            CareAction::Archived
        }
        PersonStatus::Active => {
            let catalogue = store::catalogue(&state.db).await?;
            let groups = store::memberships_of(&state.db, &[p.id])
                .await?
                .remove(&p.id)
                .unwrap_or_default();
            let groups: Vec<(String, i32)> =
                groups.into_iter().map(|m| (m.group_code, m.tier)).collect();
            let cal = crate::calendar::store::load(&state.db).await?;
            let today = local_date(db::now());
            let interval = registry::requirement(&catalogue, &groups).interval_days;
            registry::schedule(
                &mut changes,
                &cal,
                &state.settings.care,
                base(&p).max(today),
                interval,
            );
            CareAction::Reactivated
        }
    };
    save(&state, &me, &p, changes, (action, Some(reason), None), None).await
}
