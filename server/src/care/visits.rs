//! Recording a visit: who went and how, the checklist, and what follows (nothing, a help task
//! for the community, or an application on the person's behalf through the same intake as
//! every other channel). A counted visit sets the next due day from its own day.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, DatabaseTransaction};
use serde_json::json;
use uuid::Uuid;

use entity::{
    applications,
    care_enums::{CareAction, FollowUp, PersonStatus, TaskStatus},
    care_people, care_tasks, care_visits,
};

use crate::{
    applications::{
        dto::{ApplicantInput, ApplicationInput},
        events::{EventActor, NewEvent},
        intake::{self, Intake},
    },
    auth::Staff,
    calendar::domain::local_date,
    care::{
        access::{self, VISIT, not_found, stale},
        checks, domain,
        dto::{OutreachApplicationInput, VisitRequest},
        registry, store, views,
    },
    db,
    error::{AppError, AppResult, FieldErrors},
    outbox::{self, Audience, Notice, OutboxEvent},
    staff::Role,
    state::AppState,
    text::required_text,
};

/// How far back a visit may be entered.
const BACKDATE_DAYS: i64 = 30;

pub struct Recorded {
    pub visit: care_visits::Model,
    pub person: care_people::Model,
    pub application: Option<applications::Model>,
}

fn put(fields: &mut FieldErrors, key: &str, msg: impl Into<String>) {
    fields.entry(key.into()).or_insert_with(|| msg.into());
}

async fn check_companion(
    txn: &DatabaseTransaction,
    me: &Staff,
    person: &care_people::Model,
    id: Uuid,
    fields: &mut FieldErrors,
) -> AppResult<()> {
    let ok = id != me.id
        && match crate::staff::store::find_with_jurisdiction(txn, id).await? {
            Some((s, node)) => {
                !s.disabled
                    && person.jurisdiction_path.starts_with(&node.path)
                    && matches!(
                        Role::parse(&s.role),
                        Some(
                            Role::Caseworker | Role::GridWorker | Role::Approver | Role::Supervisor
                        )
                    )
            }
            None => false,
        };
    if !ok {
        put(
            fields,
            "companion_id",
            "同行人员须为该人员所在社区、网格或上级的其他工作人员",
        );
    }
    Ok(())
}

/// The applicant's details from the registry, the rest from the worker.
fn application_input(
    state: &AppState,
    person: &care_people::Model,
    community_code: &str,
    a: &OutreachApplicationInput,
    fields: &mut FieldErrors,
) -> AppResult<Option<ApplicationInput>> {
    if !a.consent {
        put(
            fields,
            "application.consent",
            "代为申请须经本人(或其监护人)同意,请确认后再提交",
        );
    }
    let id_number = state
        .cipher
        .decrypt(&registry::context("id_number", person.id), &person.id_enc)
        .map_err(|e| {
            AppError::Internal(anyhow::anyhow!("decrypting the ID of {}: {e}", person.id))
        })?;
    let own_phone = match &person.phone_enc {
        Some(p) => Some(
            state
                .cipher
                .decrypt(&registry::context("phone", person.id), p)
                .map_err(|e| {
                    AppError::Internal(anyhow::anyhow!(
                        "decrypting the phone of {}: {e}",
                        person.id
                    ))
                })?,
        ),
        None => None,
    };
    let contact_phone = registry::reveal_contacts(&state.cipher, person)
        .map_err(AppError::Internal)?
        .into_iter()
        .next()
        .map(|c| c.phone);
    let Some(phone) = a
        .phone
        .clone()
        .filter(|p| !p.trim().is_empty())
        .or(own_phone)
        .or(contact_phone)
    else {
        put(
            fields,
            "application.phone",
            "登记信息中没有手机号,请填写申请人或其联系人的手机号",
        );
        return Ok(None);
    };
    Ok(Some(ApplicationInput {
        assistance_type: a.assistance_type.clone(),
        scene: None,
        community_code: Some(community_code.to_string()),
        applicant: ApplicantInput {
            name: person.name.clone(),
            id_number,
            phone,
        },
        guardian: a.guardian.clone(),
        address: a.address.clone().unwrap_or_else(|| person.address.clone()),
        household: a.household.clone(),
        monthly_income_yuan: a.monthly_income_yuan,
        description: a.description.clone(),
        urgent: a.urgent,
        draft: false,
    }))
}

pub async fn record(
    state: &AppState,
    me: &Staff,
    person_id: Uuid,
    req: VisitRequest,
) -> AppResult<Recorded> {
    me.require(VISIT)?;
    let now = db::now();
    let txn = db::begin(&state.db).await?;
    let person = store::find_in_scope(&txn, &me.scope, person_id)
        .await?
        .ok_or_else(not_found)?;
    if person.status != PersonStatus::Active {
        return Err(AppError::conflict(
            "person_archived",
            "该人员已归档,请先恢复为在册再记录走访",
        ));
    }
    let catalogue = store::catalogue(&txn).await?;
    let lookup = views::Lookup::load(
        &txn,
        std::slice::from_ref(&person),
        catalogue,
        local_date(now),
        0,
    )
    .await?;
    let requirement = registry::requirement(&lookup.catalogue, &lookup.groups_of(person.id));
    let community_code = lookup
        .node(person.community_id)
        .map(|n| n.code.clone())
        .unwrap_or_default();

    let mut fields = FieldErrors::new();
    let visited_at: DateTime<Utc> = req.visited_at.unwrap_or(now);
    if visited_at > now + Duration::minutes(5) {
        put(&mut fields, "visited_at", "走访时间不能晚于现在");
    } else if visited_at < now - Duration::days(BACKDATE_DAYS) {
        put(
            &mut fields,
            "visited_at",
            format!("只能补录 {BACKDATE_DAYS} 天内的走访"),
        );
    }
    let findings = checks::findings(&req.findings, &lookup.checklist(person.id), &mut fields);
    let note = checks::note(&req.note, "note", &mut fields).unwrap_or_default();
    if let Some(c) = req.companion_id {
        check_companion(&txn, me, &person, c, &mut fields).await?;
    }
    let task_note = match (req.follow_up, &req.task_note, &req.application) {
        (FollowUp::HelpTask, t, None) => {
            required_text(t.as_deref(), 2, 500, "请写明需要社区帮扶的事项")
                .map_err(|e| put(&mut fields, "task_note", e))
                .ok()
        }
        (FollowUp::Application, None, Some(_)) => None,
        (FollowUp::Application, _, None) => {
            put(
                &mut fields,
                "application",
                "请填写代为申请的救助类型和情况说明",
            );
            None
        }
        (FollowUp::None, None, None) => None,
        _ => {
            put(
                &mut fields,
                "follow_up",
                "后续处理与所填内容不一致:帮扶任务填 task_note,代为申请填 application",
            );
            None
        }
    };
    let app_input = match (&req.application, req.follow_up) {
        (Some(a), FollowUp::Application) => {
            application_input(state, &person, &community_code, a, &mut fields)?
        }
        _ => None,
    };
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }

    let actor = access::actor(me);
    let application = match &app_input {
        Some(input) => {
            let made = intake::create(
                state,
                &txn,
                Intake {
                    channel: "outreach",
                    resident_id: None,
                    actor: EventActor::staff(me),
                    input,
                    staff_scope: Some(&me.scope),
                },
            )
            .await;
            match made {
                Ok(app) => Some(app),
                Err(AppError::Validation { fields: more, .. }) => {
                    return Err(AppError::validation(
                        more.into_iter()
                            .map(|(k, v)| (format!("application.{k}"), v))
                            .collect(),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        None => None,
    };

    let visit_id = Uuid::now_v7();
    let counts = domain::counts(req.method, requirement.home_visit);
    let newer = person.last_visited_at.is_none_or(|last| visited_at >= last);
    let mut changes = care_people::ActiveModel::default();
    let next_due_on = if counts && newer {
        let cal = crate::calendar::store::load(&txn).await?;
        registry::schedule(
            &mut changes,
            &cal,
            &state.settings.care,
            local_date(visited_at),
            requirement.interval_days,
        );
        changes.last_visited_at = Set(Some(visited_at));
        domain::next_due(&cal, local_date(visited_at), requirement.interval_days)
    } else {
        person.visit_due_on
    };

    let task = match task_note {
        Some(note) => Some(
            store::insert_task(
                &txn,
                care_tasks::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    person_id: Set(person.id),
                    visit_id: Set(Some(visit_id)),
                    // The community works help tasks, whoever found the need.
                    jurisdiction_path: Set(lookup
                        .node(person.community_id)
                        .map_or_else(|| person.jurisdiction_path.clone(), |n| n.path.clone())),
                    note: Set(note),
                    status: Set(TaskStatus::Open),
                    created_by: Set(me.id),
                    created_at: Set(now),
                    done_at: Set(None),
                    done_by: Set(None),
                    done_note: Set(None),
                },
            )
            .await?,
        ),
        None => None,
    };
    let visit = store::insert_visit(
        &txn,
        care_visits::ActiveModel {
            id: Set(visit_id),
            person_id: Set(person.id),
            jurisdiction_path: Set(person.jurisdiction_path.clone()),
            visited_at: Set(visited_at),
            method: Set(req.method),
            visitor_id: Set(me.id),
            companion_id: Set(req.companion_id),
            counts: Set(counts),
            findings: Set(json!(findings)),
            note: Set(note),
            follow_up: Set(req.follow_up),
            application_id: Set(application.as_ref().map(|a| a.id)),
            task_id: Set(task.as_ref().map(|t| t.id)),
            next_due_on: Set(next_due_on),
            recorded_by: Set(me.id),
            created_at: Set(now),
        },
    )
    .await?;
    if !store::update_versioned(&txn, person.id, person.version, changes).await? {
        return Err(stale());
    }
    let mut events = vec![store::event(
        person.id,
        &actor,
        CareAction::VisitRecorded,
        None,
        Some(
            json!({ "visit_id": visit.id, "method": req.method, "counts": counts, "next_due_on": next_due_on }),
        ),
    )];
    if let Some(t) = &task {
        events.push(store::event(
            person.id,
            &actor,
            CareAction::HelpTaskOpened,
            Some(t.note.clone()),
            Some(json!({ "task_id": t.id })),
        ));
        let notice = Notice {
            person_id: Some(person.id),
            care_task_id: Some(t.id),
            community_id: Some(person.community_id),
            jurisdiction_path: Some(t.jurisdiction_path.clone()),
            note: Some(t.note.clone()),
            ..Notice::to(&[Audience::Caseworkers])
        };
        outbox::enqueue(
            &txn,
            OutboxEvent {
                aggregate_type: "care_person",
                aggregate_id: person.id,
                aggregate_version: person.version + 1,
                event_type: "care.help_task".into(),
                notice,
            },
        )
        .await?;
    }
    if let Some(app) = &application {
        events.push(store::event(
            person.id,
            &actor,
            CareAction::ApplicationOpened,
            None,
            Some(json!({ "application_id": app.id, "reference": app.reference })),
        ));
        NewEvent::internal(app, EventActor::staff(me), "outreach_visit")
            .data(json!({ "visit_id": visit.id, "person_id": person.id }))
            .record(&txn)
            .await?;
    }
    store::record_all(&txn, events).await?;
    txn.commit().await?;
    state.notifier.wake();
    let person = store::find(&state.db, person.id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Recorded {
        visit,
        person,
        application,
    })
}
