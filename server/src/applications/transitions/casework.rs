//! The community's casework: accepting, asking for every missing item at once, investigating,
//! handing over, moving a case to another community, and reopening an ended one.

use sea_orm::ActiveValue::Set;
use serde_json::json;
use uuid::Uuid;

use crate::{
    applications::{
        intake::duplicates::open_key,
        store,
        workflow::{Action, Status},
    },
    auth::Staff,
    error::{AppError, AppResult, codes},
    jurisdictions::{self as juris, Level, domain::parent_path},
    outbox::Audience,
    staff::{self, Role},
};

use super::{
    Who,
    plan::{Ctx, Plan, text},
};

pub(super) fn accept(ctx: &Ctx<'_>, me: &Staff, mut plan: Plan) -> Plan {
    if ctx.app.assignee_id.is_none() && me.role == Role::Caseworker {
        plan.changes.assignee_id = Set(Some(me.id));
    }
    plan
}

pub(super) fn request_supplement(ctx: &Ctx<'_>, mut plan: Plan) -> AppResult<Plan> {
    let items: Vec<String> = ctx
        .cmd
        .items
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty())
        .collect();
    if items.is_empty() || items.len() > 20 || items.iter().any(|i| i.chars().count() > 200) {
        return Err(AppError::field(
            "items",
            "请一次性列出所有需要补充的材料(1–20 项,每项不超过 200 字)",
        ));
    }
    plan.changes.resume_status = Set(Some(ctx.from.as_str().into()));
    plan.changes.supplement_items = Set(Some(json!(items)));
    plan.data = json!({ "items": items });
    plan.notice.items = Some(items);
    Ok(plan)
}

pub(super) fn start_investigation(ctx: &Ctx<'_>, me: &Staff, mut plan: Plan) -> AppResult<Plan> {
    if ctx.from == Status::PublicNotice && ctx.note.is_none() {
        return Err(AppError::field("note", "公示期间退回调查,请写明异议内容"));
    }
    if ctx.app.assignee_id.is_none() {
        plan.changes.assignee_id = Set(Some(me.id));
    }
    Ok(plan)
}

pub(super) fn submit_review(ctx: &Ctx<'_>, me: &Staff, mut plan: Plan) -> AppResult<Plan> {
    if ctx.note.is_none() {
        return Err(AppError::field(
            "note",
            "请填写入户调查和经济状况核对的意见",
        ));
    }
    plan.changes.investigator_id = Set(Some(me.id));
    Ok(plan)
}

/// Reopening an ended case (by staff, or by a dissatisfied 回访): it takes the one-open-case
/// key again, gets a new overall limit, and its earlier decision becomes history.
pub(super) async fn reopen(ctx: &Ctx<'_>, who: &Who<'_>, mut plan: Plan) -> AppResult<Plan> {
    let app = ctx.app;
    let why = text(ctx.note.as_deref(), "note", 2, 1000, "请写明重新办理的原因")?;
    let key = open_key(&app.applicant_id_bidx, &app.assistance_type);
    if let Some(other) = store::find_open_by_key(ctx.txn, &key).await? {
        let visible = match who {
            Who::Staff(me) | Who::FollowUp(me) => me.scope.contains(&other.jurisdiction_path),
            Who::Resident(_) => false,
        };
        return Err(codes::DUPLICATE_APPLICATION
            .with("该申请人已有一件同类申请正在办理,不能重新办理本件")
            .with_details(visible.then(|| json!({ "existing_id": other.id }))));
    }
    let c = &mut plan.changes;
    c.open_key = Set(Some(key));
    c.total_due_at = Set(Some(
        ctx.cal
            .deadline(ctx.now, ctx.kind.total_working_days.max(1) as u32),
    ));
    // The earlier decision is history (the timeline keeps it), not this case's answer.
    c.decided_at = Set(None);
    c.decided_by = Set(None);
    c.investigator_id = Set(None);
    c.backfill_due_at = Set(None);
    c.rejection_reason = Set(None);
    c.approved_amount_fen = Set(None);
    c.emergency_amount_fen = Set(None);
    c.supplement_items = Set(None);
    c.public_notice_ends_at = Set(None);
    plan.data = json!({ "reason": why });
    plan.audiences = vec![Audience::Resident, Audience::Caseworkers];
    if ctx.action == Action::FollowUpReopen {
        plan.audiences
            .extend([Audience::Street, Audience::District]);
    }
    Ok(plan)
}

pub(super) async fn assign(ctx: &Ctx<'_>, me: &Staff, mut plan: Plan) -> AppResult<Plan> {
    let (id, name) = assignee(ctx, me, ctx.cmd.assignee_id).await?;
    plan.changes.assignee_id = Set(Some(id));
    plan.public = false;
    plan.data = json!({ "assignee_id": id, "assignee": name });
    plan.audiences = vec![Audience::Caseworkers];
    Ok(plan)
}

/// The assignee of an `assign`: approvers and supervisors pick a caseworker who covers the
/// case's community; a caseworker may only claim an unassigned case.
async fn assignee(ctx: &Ctx<'_>, me: &Staff, requested: Option<Uuid>) -> AppResult<(Uuid, String)> {
    let app = ctx.app;
    if me.role == Role::Caseworker {
        if requested.is_some_and(|id| id != me.id) {
            return Err(codes::ROLE_NOT_ALLOWED.with("社区工作者只能认领案件,不能指派给他人"));
        }
        if app.assignee_id.is_some_and(|id| id != me.id) {
            return Err(AppError::conflict("already_assigned", "该案件已有承办人"));
        }
        return Ok((me.id, me.label()));
    }
    let id = requested.ok_or_else(|| AppError::field("assignee_id", "请选择承办的社区工作者"))?;
    match staff::store::find_in_scope(ctx.txn, &me.scope, id).await? {
        Some((s, node))
            if s.role == Role::Caseworker.as_str()
                && !s.disabled
                && app.jurisdiction_path.starts_with(&node.path) =>
        {
            Ok((s.id, s.display_name.unwrap_or(s.username)))
        }
        _ => Err(AppError::field(
            "assignee_id",
            "该工作人员不能承办此案件(须为负责该社区的社区工作者)",
        )),
    }
}

pub(super) async fn transfer(ctx: &Ctx<'_>, me: &Staff, mut plan: Plan) -> AppResult<Plan> {
    let app = ctx.app;
    let why = text(ctx.note.as_deref(), "note", 2, 1000, "请写明转办原因")?;
    let code = ctx
        .cmd
        .community_code
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    let target = juris::store::find_by_code(ctx.txn, code).await?;
    // A caseworker may hand a case to a neighbouring community of the same street.
    let same_street = |t: &entity::jurisdictions::Model| {
        me.role == Role::Caseworker
            && t.parent_id.is_some()
            && parent_path(&t.path) == parent_path(&app.jurisdiction_path)
    };
    let target = match target {
        Some(t)
            if Level::parse(&t.level) == Some(Level::Community)
                && (me.scope.contains(&t.path) || same_street(&t)) =>
        {
            t
        }
        Some(t) if Level::parse(&t.level) == Some(Level::Community) => {
            return Err(codes::OUTSIDE_JURISDICTION.with("只能转办到本辖区内的社区"));
        }
        _ => return Err(AppError::field("community_code", "请选择要转办的社区(村)")),
    };
    if target.id == app.community_id {
        return Err(AppError::field("community_code", "案件已在该社区"));
    }
    plan.changes.community_id = Set(target.id);
    plan.changes.jurisdiction_path = Set(target.path.clone());
    plan.changes.assignee_id = Set(None);
    plan.public = false;
    plan.data = json!({ "from_community_id": app.community_id, "to_community": target.code, "reason": why });
    plan.audiences = vec![Audience::Caseworkers];
    Ok(plan)
}
