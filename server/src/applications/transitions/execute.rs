//! The executor: reads the case, asks the state machine, lets the action's plan decide what
//! changes, then writes the case (conditional on its version), the timeline entry, the notice
//! and the 回访 schedule in the caller's transaction.

use sea_orm::{ActiveValue::Set, DatabaseTransaction};
use serde_json::json;
use uuid::Uuid;

use entity::applications;

use crate::{
    applications::{
        errors::{not_found, stale},
        events::{EventActor, NewEvent},
        follow_ups,
        intake::routing::unique_violation,
        notices, sla, store,
        views::status,
        workflow::{self, Action, Actor, Refusal, Status, Target},
    },
    assistance,
    auth::Staff,
    db,
    error::{AppError, AppResult, codes},
    jurisdictions::Level,
    staff::Role,
    state::AppState,
    text::clean_text,
};

use super::{
    Command, Who, casework, decisions,
    plan::{Ctx, Plan},
    resident,
};

/// Runs `cmd` on case `id` for `who` and returns the updated case.
pub async fn execute(
    state: &AppState,
    who: Who<'_>,
    id: Uuid,
    cmd: Command,
) -> AppResult<applications::Model> {
    let txn = db::begin(&state.db).await?;
    let updated = execute_in(state, &txn, who, id, cmd).await?;
    txn.commit().await?;
    state.notifier.wake();
    Ok(updated)
}

/// Approval is delegated to the street (街道/乡镇) and casework done in the community: an
/// approver posted elsewhere, or a caseworker above the community, cannot act on cases.
fn posted_for_casework(me: &Staff) -> AppResult<()> {
    let level = me.scope.level;
    match me.role {
        Role::Approver if level != Level::Street => Err(AppError::forbidden(
            "street_approver_only",
            "审批操作由街道(乡镇)的审批人员办理",
        )),
        Role::Caseworker if level < Level::Community => Err(AppError::forbidden(
            "community_caseworker_only",
            "经办操作由社区(村)的工作人员办理",
        )),
        _ => Ok(()),
    }
}

fn refusal(r: Refusal, app: &applications::Model, action: Action) -> AppError {
    match r {
        Refusal::NotAllowed => AppError::from(codes::ROLE_NOT_ALLOWED),
        Refusal::WrongState => codes::INVALID_TRANSITION
            .with(format!(
                "申请当前为“{}”,不能执行“{}”",
                status(app).label(),
                action.as_str()
            ))
            .with_details(Some(
                json!({ "status": app.status, "action": action.as_str() }),
            )),
    }
}

/// The action's own plan: its checks and the fields it changes.
async fn plan(ctx: &Ctx<'_>, who: &Who<'_>, to: Status) -> AppResult<Plan> {
    let plan = Plan::new(to, ctx.from);
    match (who, ctx.action) {
        (Who::Staff(me), Action::Accept) => Ok(casework::accept(ctx, me, plan)),
        (Who::Staff(_), Action::RequestSupplement) => casework::request_supplement(ctx, plan),
        (Who::Resident(_), Action::Supplement) => resident::supplement(ctx, plan),
        (Who::Staff(me), Action::StartInvestigation) => {
            casework::start_investigation(ctx, me, plan)
        }
        (Who::Staff(me), Action::SubmitReview) => casework::submit_review(ctx, me, plan),
        (Who::Staff(me), Action::StartPublicNotice) => {
            decisions::start_public_notice(ctx, me, plan)
        }
        (Who::Staff(me), Action::Approve) => decisions::approve(ctx, me, plan),
        (Who::Staff(me), Action::Reject) => decisions::reject(ctx, me, plan),
        (Who::Staff(_), Action::EmergencyApprove) => decisions::emergency_approve(ctx, plan).await,
        (Who::Staff(_), Action::Close) => Ok(plan),
        (Who::Staff(_), Action::Reopen) | (Who::FollowUp(_), Action::FollowUpReopen) => {
            casework::reopen(ctx, who, plan).await
        }
        (Who::Staff(me), Action::Assign) => casework::assign(ctx, me, plan).await,
        (Who::Staff(me), Action::Transfer) => casework::transfer(ctx, me, plan).await,
        (Who::Resident(_), Action::Withdraw) => resident::withdraw(ctx, plan),
        // The state machine refused every other pairing already; submit has its own path.
        _ => Err(refusal(Refusal::NotAllowed, ctx.app, ctx.action)),
    }
}

/// The status and clock changes every action shares.
fn settle(ctx: &Ctx<'_>, plan: &mut Plan, to: Status) {
    let (app, from) = (ctx.app, ctx.from);
    // Leaving the open states frees the one-open-case guard.
    if to != from && !to.is_open() {
        plan.changes.open_key = Set(None);
    }
    if to != from {
        plan.changes.status = Set(to.as_str().into());
    }
    if plan.new_stage && !plan.clock_set {
        // The clock reads fields this action sets (notice end, backfill deadline).
        let mut next = app.clone();
        if let Set(Some(end)) = plan.changes.public_notice_ends_at {
            next.public_notice_ends_at = Some(end);
        }
        if let Set(b) = plan.changes.backfill_due_at {
            next.backfill_due_at = b;
        }
        if let Set(t) = plan.changes.total_due_at {
            next.total_due_at = t;
        }
        let clock = sla::for_stage(ctx.cal, ctx.now, &next, ctx.kind, from, to);
        // A stage that carries on the running clock (investigation after acceptance, waiting
        // for a supplement) keeps its escalation level, so no reminder is sent twice.
        let fresh =
            clock.stage_started_at != app.stage_started_at || clock.deadline_at != app.deadline_at;
        clock.apply(&mut plan.changes, fresh);
        if !to.is_open() {
            plan.changes.sla_state = Set(sla::SlaState::None.as_str().into());
        }
    }
}

/// `execute` inside the caller's transaction, for changes that must commit with something
/// else (a 回访 result and the reopening it causes).
pub async fn execute_in(
    state: &AppState,
    txn: &DatabaseTransaction,
    who: Who<'_>,
    id: Uuid,
    cmd: Command,
) -> AppResult<applications::Model> {
    let action = cmd
        .action
        .ok_or_else(|| AppError::field("action", "请指定操作"))?;
    let app = match &who {
        Who::Resident(r) => store::find_for_resident(txn, r.id, id).await?,
        Who::Staff(s) | Who::FollowUp(s) => store::find_in_scope(txn, &s.scope, id).await?,
    }
    .ok_or_else(not_found)?;
    let actor = match &who {
        Who::Resident(_) => Actor::Resident,
        Who::Staff(s) => Actor::Staff(s.role),
        Who::FollowUp(_) => Actor::FollowUp,
    };
    let from = status(&app);
    let target = workflow::check(from, action, actor).map_err(|r| refusal(r, &app, action))?;
    if let Who::Staff(me) = &who {
        posted_for_casework(me)?;
    }
    if cmd.expected_version.is_some_and(|v| v != app.version) {
        return Err(stale());
    }
    let kind = assistance::store::find(txn, &app.assistance_type)
        .await?
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("type {} missing", app.assistance_type))
        })?;
    let cal = sla::calendar(txn).await?;
    let to = match target {
        Target::To(s) => s,
        Target::Stay => from,
        Target::Resume => app
            .resume_status
            .as_deref()
            .and_then(Status::parse)
            .unwrap_or(Status::Submitted),
    };
    let note = match cmd.note.as_deref() {
        Some(n) => Some(clean_text(n, 1000, true).map_err(|e| AppError::field("note", e))?)
            .filter(|n| !n.is_empty()),
        None => None,
    };
    let ctx = Ctx {
        state,
        txn,
        app: &app,
        kind: &kind,
        cal: &cal,
        now: db::now(),
        from,
        action,
        cmd: &cmd,
        note,
    };
    let mut plan = plan(&ctx, &who, to).await?;
    settle(&ctx, &mut plan, to);
    // Reopening takes the one-open-case key; a concurrent reopening of another case of the
    // same applicant and type may have taken it first.
    let changes = std::mem::take(&mut plan.changes);
    if !store::update_versioned(txn, app.id, app.version, changes)
        .await
        .map_err(unique_violation)?
    {
        return Err(stale());
    }
    let updated = store::find(txn, app.id).await?.ok_or_else(not_found)?;
    record(&ctx, &who, plan, &updated, to).await?;
    follow_ups::on_case_transition(txn, &cal, &updated, from, to).await?;
    Ok(updated)
}

/// The timeline entry and the notice of a change.
async fn record(
    ctx: &Ctx<'_>,
    who: &Who<'_>,
    plan: Plan,
    updated: &applications::Model,
    to: Status,
) -> AppResult<()> {
    let action = ctx.action;
    let actor = match who {
        Who::Resident(r) => EventActor::resident(r),
        Who::Staff(s) => EventActor::staff(s),
        Who::FollowUp(s) => EventActor::follow_up(s),
    };
    let event_note = plan.note.clone().or(ctx.note.clone());
    let note_public =
        action == Action::Supplement || action == Action::Withdraw || ctx.cmd.note_public;
    NewEvent::new(ctx.app.id, actor, action.as_str())
        .statuses(Some(ctx.from.as_str()), Some(to.as_str()))
        .note(event_note.clone(), note_public)
        .visible_to_resident(plan.public)
        .data(plan.data)
        .record(ctx.txn)
        .await?;
    let names = notices::CaseNames::load(ctx.txn, updated, Some(ctx.kind)).await?;
    let mut notice = notices::about(updated, &names, &plan.audiences);
    notice.items = plan.notice.items;
    notice.reason = plan.notice.reason;
    notice.amount_yuan = plan.notice.amount_yuan;
    notice.note = event_note.filter(|_| note_public);
    notice.from_status = Some(ctx.from.as_str().into());
    notices::enqueue(ctx.txn, updated, action.as_str(), notice).await?;
    Ok(())
}
