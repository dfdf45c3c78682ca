//! The street's decisions: 公示, approval, rejection and 先行救助. The investigator may not
//! decide, and an approval waits for the notice period its type requires.

use chrono::Duration;
use sea_orm::ActiveValue::Set;
use serde_json::json;

use crate::{
    applications::workflow::Status,
    auth::Staff,
    calendar::domain::{end_of_day, local_date},
    error::{AppError, AppResult},
    jurisdictions::{self as juris, domain::parent_code},
    money::fen_to_yuan,
    outbox::Audience,
};

use super::plan::{Ctx, Plan, amount, text};

fn separation(me: &Staff, ctx: &Ctx<'_>) -> AppResult<()> {
    if ctx.app.investigator_id == Some(me.id) {
        return Err(AppError::forbidden(
            "separation_of_duties",
            "调查人员不能审批自己调查的案件,请由其他审批人员处理",
        ));
    }
    Ok(())
}

fn decide(plan: &mut Plan, me: &Staff, ctx: &Ctx<'_>) {
    plan.changes.decided_by = Set(Some(me.id));
    plan.changes.decided_at = Set(Some(ctx.now));
}

pub(super) fn start_public_notice(ctx: &Ctx<'_>, me: &Staff, mut plan: Plan) -> AppResult<Plan> {
    separation(me, ctx)?;
    let (app, kind, cal) = (ctx.app, ctx.kind, ctx.cal);
    if kind.public_notice_days <= 0 {
        return Err(AppError::unprocessable(
            "public_notice_not_required",
            format!("{}无需公示,可直接作出决定", kind.name),
        ));
    }
    let ends = end_of_day(local_date(ctx.now) + Duration::days(kind.public_notice_days as i64));
    plan.changes.public_notice_ends_at = Set(Some(ends));
    // 公示 does not count against the overall limit: it moves later by the notice's working
    // days. `ends` is midnight after the last notice day, which is not itself paused.
    let paused = cal.working_days_between(ctx.now, ends - Duration::seconds(1));
    plan.changes.total_due_at = Set(app.total_due_at.map(|t| cal.extend(t, paused)));
    plan.data = json!({ "ends_at": ends, "days": kind.public_notice_days });
    Ok(plan)
}

pub(super) fn approve(ctx: &Ctx<'_>, me: &Staff, mut plan: Plan) -> AppResult<Plan> {
    separation(me, ctx)?;
    let kind = ctx.kind;
    if kind.public_notice_days > 0 {
        if ctx.from == Status::Review {
            return Err(AppError::unprocessable(
                "public_notice_required",
                format!(
                    "{}须先公示 {} 天,公示期满后才能批准",
                    kind.name, kind.public_notice_days
                ),
            ));
        }
        if ctx
            .app
            .public_notice_ends_at
            .is_some_and(|end| ctx.now < end)
        {
            return Err(AppError::unprocessable(
                "public_notice_in_progress",
                "公示期尚未结束,期满后才能批准",
            ));
        }
    }
    let fen = amount(ctx.cmd)?;
    decide(&mut plan, me, ctx);
    plan.changes.approved_amount_fen = Set(Some(fen));
    plan.data = json!({ "amount_yuan": fen_to_yuan(fen) });
    plan.notice.amount_yuan = Some(fen_to_yuan(fen));
    Ok(plan)
}

pub(super) fn reject(ctx: &Ctx<'_>, me: &Staff, mut plan: Plan) -> AppResult<Plan> {
    separation(me, ctx)?;
    let reason = text(
        ctx.cmd.reason.as_deref(),
        "reason",
        5,
        500,
        "请写明不予批准的理由(至少 5 个字),将告知申请人",
    )?;
    decide(&mut plan, me, ctx);
    plan.changes.rejection_reason = Set(Some(reason.clone()));
    plan.data = json!({ "reason": reason });
    plan.notice.reason = Some(reason);
    Ok(plan)
}

pub(super) async fn emergency_approve(ctx: &Ctx<'_>, mut plan: Plan) -> AppResult<Plan> {
    let (app, kind) = (ctx.app, ctx.kind);
    if !app.urgent {
        return Err(AppError::unprocessable(
            "not_urgent",
            "先行救助只适用于紧急申请",
        ));
    }
    if !kind.emergency_allowed {
        return Err(AppError::unprocessable(
            "emergency_not_allowed",
            format!("{}不适用先行救助", kind.name),
        ));
    }
    let fen = amount(ctx.cmd)?;
    let cap = emergency_cap(ctx).await?;
    if fen > cap {
        return Err(AppError::field(
            "amount_yuan",
            format!(
                "超出本街道先行救助额度 {:.2} 元,请报区民政审批",
                fen_to_yuan(cap)
            ),
        ));
    }
    let backfill = ctx
        .cal
        .deadline(ctx.now, kind.emergency_backfill_working_days.max(1) as u32);
    plan.changes.emergency_amount_fen = Set(Some(fen));
    plan.changes.backfill_due_at = Set(Some(backfill));
    plan.data = json!({ "amount_yuan": fen_to_yuan(fen), "backfill_due_at": backfill });
    plan.notice.amount_yuan = Some(fen_to_yuan(fen));
    plan.audiences = vec![Audience::Resident, Audience::Caseworkers];
    Ok(plan)
}

/// The 先行救助 amount the case's street may grant: its own setting or the city default.
async fn emergency_cap(ctx: &Ctx<'_>) -> AppResult<i64> {
    if let Some(code) = parent_code(&ctx.app.jurisdiction_path)
        && let Some(street) = juris::store::find_by_code(ctx.txn, code).await?
        && let Some(cap) = juris::store::emergency_cap(ctx.txn, street.id).await?
    {
        return Ok(cap);
    }
    Ok(ctx.state.settings.emergency_cap_fen)
}
