//! The registry: a worker's list of people with their visit due dates, registering someone,
//! one person's record, and the logged unmasked view.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use entity::care_enums::CareAction;

use crate::{
    applications::store::{self as cases, Order, StaffFilter},
    audit::{self, Entry},
    auth::Staff,
    calendar::domain::local_date,
    care::{
        access::{self, READ, WRITE, bad_query, not_found},
        checks,
        dto::{
            CaseRef, CreatePersonRequest, PeopleQuery, PersonDetail, PersonPage, PersonPii,
            PiiQuery,
        },
        filters::{self, Params},
        registry::{self, Directory, NewPerson},
        store, views,
    },
    db,
    error::{AppError, AppResult, ErrorBody},
    http::cursor,
    jurisdictions::Level,
    privacy::index,
    staff::Role,
    state::AppState,
};

fn today() -> NaiveDate {
    local_date(db::now())
}

/// People inside the caller's subtree, the soonest visit first: `worker=me&visit=due_soon,due,overdue`
/// is a worker's week.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(PeopleQuery),
    responses((status = 200, body = PersonPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody))
)]
#[get("/api/v1/care/people")]
pub async fn list(
    state: web::Data<AppState>,
    me: Staff,
    query: web::Query<PeopleQuery>,
) -> AppResult<HttpResponse> {
    me.require(READ)?;
    let q = query.into_inner();
    let catalogue = store::catalogue(&state.db).await?;
    let today = today();
    let params = Params {
        group: q.group.as_deref(),
        tier: q.tier,
        visit: q.visit.as_deref(),
        worker: q.worker.as_deref(),
        q: q.q.as_deref(),
        jurisdiction_code: q.jurisdiction_code.as_deref(),
        status: q.status,
    };
    let mut f = filters::filter(&state, &me, &catalogue, params, today).await?;
    f.limit = cursor::limit(q.limit, 30, 100);
    f.after = q
        .cursor
        .as_deref()
        .map(|c| {
            let raw = cursor::decode(c)?;
            let (d, id) = raw
                .split_once('|')
                .ok_or_else(|| bad_query("分页游标无效"))?;
            Ok::<_, AppError>((
                NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad_query("分页游标无效"))?,
                Uuid::parse_str(id).map_err(|_| bad_query("分页游标无效"))?,
            ))
        })
        .transpose()?;
    let people = store::list(&state.db, &me.scope, &f).await?;
    let next_cursor = (people.len() as u64 == f.limit)
        .then(|| {
            people
                .last()
                .map(|p| cursor::encode(&format!("{}|{}", p.visit_due_on, p.id)))
        })
        .flatten();
    let lookup = views::Lookup::load(
        &state.db,
        &people,
        catalogue,
        today,
        state.settings.care.due_soon_days,
    )
    .await?;
    let items = people.iter().map(|p| lookup.summary(p)).collect();
    Ok(HttpResponse::Ok().json(PersonPage { items, next_cursor }))
}

/// Registers a person in a community (and grid) inside the caller's subtree. The ID number is
/// the key: someone already registered is a 409 naming them (when the caller may see them).
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    request_body = CreatePersonRequest,
    responses(
        (status = 201, body = PersonDetail),
        (status = 403, body = ErrorBody),
        (status = 409, description = "already registered (`details.existing_id` when inside the caller's subtree)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/api/v1/care/people")]
pub async fn create(
    state: web::Data<AppState>,
    me: Staff,
    body: web::Json<CreatePersonRequest>,
) -> AppResult<HttpResponse> {
    me.require(WRITE)?;
    let req = body.into_inner();
    let today = today();
    let txn = db::begin(&state.db).await?;
    let catalogue = store::catalogue(&txn).await?;
    let mut dir = Directory::default();
    let mut fields = crate::error::FieldErrors::new();
    let checked = checks::person(&req, today, &catalogue)
        .map_err(|e| fields.extend(e))
        .ok();
    let place = registry::place(
        &txn,
        &mut dir,
        Some(&me.scope),
        &req.community_code,
        req.grid_code.as_deref(),
        &mut fields,
    )
    .await?;
    if let (Some(w), Some(place)) = (req.worker_id, &place) {
        registry::check_worker(&txn, &mut dir, w, place, "worker_id", &mut fields).await?;
    }
    let (Some(checked), Some(place)) = (checked, place) else {
        return Err(AppError::validation(fields));
    };
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let bidx = state
        .cipher
        .blind_index(index::ID_NUMBER, checked.id_number.as_str());
    if let Some(existing) = store::find_by_bidx(&txn, &bidx).await? {
        return Err(AppError::Conflict {
            code: "person_already_registered",
            message: "该身份证号的人员已经登记,请勿重复登记".into(),
            details: me
                .scope
                .contains(&existing.jurisdiction_path)
                .then(|| json!({ "existing_id": existing.id })),
        });
    }
    let cal = crate::calendar::store::load(&txn).await?;
    let (_, person, memberships) = registry::build(
        &state.cipher,
        &cal,
        &state.settings.care,
        &catalogue,
        NewPerson {
            fields: &checked,
            place: &place,
            worker: req.worker_id,
            today,
        },
    );
    let person = store::insert_person(&txn, person)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::conflict(
                "person_already_registered",
                "该身份证号的人员已经登记,请勿重复登记",
            ),
            _ => AppError::Database(e),
        })?;
    store::insert_people(&txn, Vec::new(), memberships).await?;
    let groups: Vec<String> = checked
        .groups
        .iter()
        .map(|(g, t)| format!("{g}:{t}"))
        .collect();
    store::record(
        &txn,
        store::event(
            person.id,
            &access::actor(&me),
            CareAction::Registered,
            None,
            Some(json!({ "groups": groups })),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(detail(&state, &me, person).await?))
}

pub(crate) async fn detail(
    state: &AppState,
    me: &Staff,
    person: entity::care_people::Model,
) -> AppResult<PersonDetail> {
    let catalogue = store::catalogue(&state.db).await?;
    let lookup = views::Lookup::load(
        &state.db,
        std::slice::from_ref(&person),
        catalogue,
        today(),
        state.settings.care.due_soon_days,
    )
    .await?;
    let recent = store::visits_of(&state.db, person.id, None, 10).await?;
    let tasks = store::tasks(
        &state.db,
        &me.scope,
        Some(entity::care_enums::TaskStatus::Open),
        Some(person.id),
        None,
        20,
    )
    .await?;
    let cases = cases::list_for_staff(
        &state.db,
        &me.scope,
        StaffFilter {
            statuses: Vec::new(),
            assistance_type: None,
            sla: None,
            assignee: None,
            reference: None,
            name_fragment: None,
            id_bidx: Some(person.id_bidx.clone()),
            phone_bidx: None,
            subtree: None,
            order: Order::Newest { before: None },
            limit: 20,
        },
    )
    .await?;
    let timeline = store::events_of(&state.db, person.id, 50).await?;
    Ok(PersonDetail {
        person: lookup.summary(&person),
        address: person.address.clone(),
        contacts: views::contacts(&person),
        note: person.note.clone(),
        enrolled_on: person.enrolled_on,
        checklist: lookup.checklist(person.id),
        recent_visits: recent.iter().map(views::visit).collect(),
        open_tasks: tasks.iter().map(views::task).collect(),
        cases: cases
            .iter()
            .map(|a| CaseRef {
                id: a.id,
                reference: a.reference.clone(),
                assistance_type: a.assistance_type.clone(),
                status: a.status.clone(),
                channel: a.channel.clone(),
            })
            .collect(),
        timeline: timeline.iter().map(views::event).collect(),
    })
}

/// One person inside the caller's subtree, with their visits, open tasks, cases and timeline.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PersonDetail), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/care/people/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    me.require(READ)?;
    let person = store::find_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(detail(&state, &me, person).await?))
}

/// The full ID number, phone and contacts, for the person's own worker or a worker of their
/// community or grid. Every read is written to the audit log with its reason.
#[utoipa::path(
    tag = "care",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), PiiQuery),
    responses(
        (status = 200, body = PersonPii),
        (status = 403, description = "not the person's worker, nor a worker of their community or grid", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "no reason given", body = ErrorBody),
    )
)]
#[get("/api/v1/care/people/{id}/pii")]
pub async fn pii(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    query: web::Query<PiiQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    me.require(READ)?;
    let reason = checks::reason(&query.reason, "reason").map_err(AppError::validation)?;
    let person = store::find_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(not_found)?;
    let own_node = match me.role {
        Role::Caseworker => {
            me.scope.level == Level::Community && me.scope.jurisdiction_id == person.community_id
        }
        Role::GridWorker => person.grid_id == Some(me.scope.jurisdiction_id),
        _ => false,
    };
    if !(person.worker_id == Some(me.id) || own_node) {
        tracing::warn!(staff_id = %me.id, person_id = %person.id, "unmasked care read refused");
        return Err(AppError::forbidden(
            "pii_not_allowed",
            "只有该人员的责任人或所在社区、网格的工作人员可以查看完整信息",
        ));
    }
    let decrypt = |field: &str, stored: &str| {
        state
            .cipher
            .decrypt(&registry::context(field, person.id), stored)
            .map_err(|e| {
                AppError::Internal(anyhow::anyhow!("decrypting {field} of {}: {e}", person.id))
            })
    };
    let revealed = PersonPii {
        person_id: person.id,
        id_number: decrypt("id_number", &person.id_enc)?,
        phone: person
            .phone_enc
            .as_deref()
            .map(|p| decrypt("phone", p))
            .transpose()?,
        contacts: registry::reveal_contacts(&state.cipher, &person).map_err(AppError::Internal)?,
    };
    audit::record(
        &state.db,
        Entry::new(audit::Actor::Staff(me.id), "care_person.pii_read")
            .target("care_person", person.id)
            .detail(json!({ "reason": reason }))
            .ip(crate::http::client_ip(&req, &state.settings)),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(revealed))
}
