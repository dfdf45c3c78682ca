//! 回访 results: recorded by operators (the case core schedules the follow-ups), retried when
//! the resident cannot be reached, and a dissatisfied result reopens the case through the
//! state machine.

use sea_orm::{ActiveValue::Set, DatabaseTransaction};
use serde_json::json;
use uuid::Uuid;

use entity::{applications, hotline_follow_ups as follow_ups};

use crate::{
    applications::{
        self as apps,
        events::{EventActor, NewEvent},
        sla,
        transitions::{self, Command, Who},
        workflow::Action,
    },
    auth::Staff,
    db,
    error::{AppError, AppResult, FieldErrors, codes},
    hotline::{
        domain::{DISSATISFIED_AT_MOST, MAX_FOLLOW_UP_ATTEMPTS},
        dto::FollowUpResultInput,
        store,
    },
    outbox::{self, Audience, Notice, OutboxEvent},
    staff::Role,
    state::AppState,
    text::clean_text,
};

/// Who records 回访 results and reads the numbers to call.
pub const RECORD: &[Role] = &[Role::Operator];
/// Who reads follow-up lists.
pub const READ: &[Role] = &[Role::Operator, Role::Supervisor];

pub fn not_found() -> AppError {
    AppError::not_found("follow_up_not_found", "没有找到这项回访")
}

struct Attempt {
    reached: bool,
    satisfaction: Option<i32>,
    note: String,
}

fn validate(input: &FollowUpResultInput) -> Result<Attempt, FieldErrors> {
    let mut fields = FieldErrors::new();
    let satisfaction = match (input.reached, input.satisfaction) {
        (true, Some(s)) if (1..=5).contains(&s) => i32::try_from(s).ok(),
        (true, Some(_)) => {
            fields.insert("satisfaction".into(), "满意度应为 1–5 分".into());
            None
        }
        (true, None) => {
            fields.insert(
                "satisfaction".into(),
                "联系上申请人时须记录满意度(1–5 分)".into(),
            );
            None
        }
        (false, Some(_)) => {
            fields.insert(
                "satisfaction".into(),
                "未联系上申请人时不能记录满意度".into(),
            );
            None
        }
        (false, None) => None,
    };
    let note = match clean_text(&input.note, 1000, true) {
        Ok(n) if n.is_empty() => {
            fields.insert("note".into(), "请记录回访情况".into());
            n
        }
        Ok(n) => n,
        Err(e) => {
            fields.insert("note".into(), e);
            String::new()
        }
    };
    if fields.is_empty() {
        Ok(Attempt {
            reached: input.reached,
            satisfaction,
            note,
        })
    } else {
        Err(fields)
    }
}

/// Records one attempt. Reached: done with its satisfaction, and ≤ 2 reopens the case in the
/// same transaction. Not reached: due again the next working day, given up after the fourth
/// try (three retries).
pub async fn record_result(
    state: &AppState,
    me: &Staff,
    id: Uuid,
    input: &FollowUpResultInput,
) -> AppResult<(follow_ups::Model, applications::Model)> {
    me.require(RECORD)?;
    let txn = db::begin(&state.db).await?;
    let fu = store::find_follow_up_in_scope(&txn, &me.scope, id)
        .await?
        .ok_or_else(not_found)?;
    if fu.status != "open" {
        return Err(codes::FOLLOW_UP_CLOSED
            .with("这项回访已经结束,不能再记录结果")
            .with_details(Some(json!({ "status": fu.status }))));
    }
    let result = validate(input).map_err(AppError::validation)?;
    let now = db::now();
    let mut log = fu.attempt_log.as_array().cloned().unwrap_or_default();
    // Retries are on later days: a second "no answer" the same day does not use up a try.
    // Reaching the resident (say, they call back) is recorded whenever it happens.
    let tried_today = log.last().is_some_and(|last| {
        last["reached"] == json!(false)
            && serde_json::from_value::<chrono::DateTime<chrono::Utc>>(last["at"].clone())
                .is_ok_and(|at| {
                    crate::calendar::domain::local_date(at)
                        == crate::calendar::domain::local_date(now)
                })
    });
    if !result.reached && tried_today {
        return Err(AppError::Conflict {
            code: "already_tried_today",
            message: "今天已记录过一次未接通,请在下一个工作日再次回访".into(),
            details: Some(json!({ "due_at": fu.due_at })),
        });
    }
    let attempt = fu.attempts + 1;
    log.push(json!({
        "at": now,
        "by": me.id,
        "by_name": me.label(),
        "reached": result.reached,
        "satisfaction": result.satisfaction,
        "note": result.note,
    }));
    let mut changes = follow_ups::ActiveModel {
        attempts: Set(attempt),
        attempt_log: Set(json!(log)),
        note: Set(Some(result.note.clone())),
        ..Default::default()
    };
    let outcome = if result.reached {
        Some("reached")
    } else if attempt >= MAX_FOLLOW_UP_ATTEMPTS {
        Some("unreachable")
    } else {
        None
    };
    match outcome {
        Some(outcome) => {
            changes.status = Set("done".into());
            changes.outcome = Set(Some(outcome.into()));
            changes.satisfaction = Set(result.satisfaction);
            changes.completed_at = Set(Some(now));
            changes.completed_by = Set(Some(me.id));
        }
        None => {
            let cal = sla::calendar(&txn).await?;
            changes.due_at = Set(cal.deadline(now, 1));
        }
    }
    if !store::update_follow_up_versioned(&txn, fu.id, fu.version, changes).await? {
        return Err(codes::STALE_VERSION.with("这项回访刚被他人更新,请刷新后重试"));
    }
    let app = apps::store::find(&txn, fu.application_id)
        .await?
        .ok_or_else(not_found)?;
    NewEvent::internal(&app, EventActor::follow_up(me), "follow_up")
        .note(Some(result.note.clone()), false)
        .data(json!({
            "follow_up_id": fu.id,
            "attempt": attempt,
            "reached": result.reached,
            "satisfaction": result.satisfaction,
            "outcome": outcome,
        }))
        .record(&txn)
        .await?;

    let dissatisfied = result
        .satisfaction
        .is_some_and(|s| s <= DISSATISFIED_AT_MOST);
    let app = if dissatisfied {
        reopen(state, &txn, me, &fu, &app, &result).await?
    } else {
        app
    };
    let fu = store::find_follow_up_in_scope(&txn, &me.scope, fu.id)
        .await?
        .ok_or_else(not_found)?;
    txn.commit().await?;
    state.notifier.wake();
    Ok((fu, app))
}

/// Reopens the case for the supervisor. When the state machine or the one-open-case rule
/// refuses (the person already has another open case of the type), the supervisors are told
/// of the dissatisfaction instead.
async fn reopen(
    state: &AppState,
    txn: &DatabaseTransaction,
    me: &Staff,
    fu: &follow_ups::Model,
    app: &applications::Model,
    result: &Attempt,
) -> AppResult<applications::Model> {
    let score = result.satisfaction.unwrap_or_default();
    let cmd = Command {
        action: Some(Action::FollowUpReopen),
        // The reopening reason holds at most 1000 characters; the whole note is in the
        // follow-up's own timeline entry.
        note: Some(
            format!("回访不满意(满意度 {score}/5):{}", result.note)
                .chars()
                .take(1000)
                .collect(),
        ),
        ..Command::default()
    };
    match transitions::execute_in(state, txn, Who::FollowUp(me), app.id, cmd).await {
        Ok(reopened) => {
            let changes = follow_ups::ActiveModel {
                reopened: Set(true),
                ..Default::default()
            };
            if !store::update_follow_up_versioned(txn, fu.id, fu.version + 1, changes).await? {
                return Err(codes::STALE_VERSION.with("这项回访刚被他人更新,请刷新后重试"));
            }
            Ok(reopened)
        }
        Err(AppError::Conflict { code, details, .. }) => {
            tracing::info!(application_id = %app.id, code, "dissatisfied follow-up could not reopen the case");
            let notice = Notice {
                follow_up_id: Some(fu.id),
                application_id: Some(app.id),
                reference: Some(app.reference.clone()),
                community_id: Some(app.community_id),
                jurisdiction_path: Some(app.jurisdiction_path.clone()),
                assignee_id: app.assignee_id,
                satisfaction: Some(score),
                not_reopened_because: Some(code.into()),
                details,
                ..Notice::to(&[Audience::Street, Audience::District])
            };
            outbox::enqueue(
                txn,
                OutboxEvent {
                    aggregate_type: "hotline_follow_up",
                    aggregate_id: fu.id,
                    aggregate_version: fu.version + 1,
                    event_type: "hotline.follow_up_dissatisfied".into(),
                    notice,
                },
            )
            .await?;
            Ok(app.clone())
        }
        Err(e) => Err(e),
    }
}
