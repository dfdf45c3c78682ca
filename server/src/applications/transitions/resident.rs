//! The resident's own actions on a submitted case: supplying what was asked for (the clock
//! runs again, later by the days spent waiting) and withdrawing.

use sea_orm::ActiveValue::Set;
use serde_json::json;

use entity::applications;

use crate::{
    applications::{domain, dto::SupplementRequest, intake::pii_fill::set_household, sla},
    calendar::domain::local_date,
    db,
    error::{AppError, AppResult, FieldErrors},
    money::yuan_to_fen,
    outbox::Audience,
    state::AppState,
    text::clean_text,
};

use super::plan::{Ctx, Plan, text};

pub(super) fn supplement(ctx: &Ctx<'_>, mut plan: Plan) -> AppResult<Plan> {
    let app = ctx.app;
    let req = ctx
        .cmd
        .supplement
        .as_ref()
        .ok_or_else(|| AppError::field("note", "请说明补充了哪些材料"))?;
    let supplied = text(Some(&req.note), "note", 1, 1000, "请说明补充了哪些材料")?;
    apply_supplement(ctx.state, app, req, &mut plan.changes)?;
    let (clock, total, backfill) = sla::resume(ctx.cal, ctx.now, app);
    clock.apply(&mut plan.changes, false);
    plan.changes.total_due_at = Set(total);
    plan.changes.backfill_due_at = Set(backfill);
    plan.changes.resume_status = Set(None);
    plan.clock_set = true;
    plan.new_stage = false;
    plan.data = json!({ "requested": app.supplement_items, "supplied": supplied });
    plan.note = Some(supplied);
    plan.audiences = vec![Audience::Caseworkers];
    Ok(plan)
}

pub(super) fn withdraw(ctx: &Ctx<'_>, mut plan: Plan) -> AppResult<Plan> {
    if let Some(reason) = ctx.cmd.reason.as_deref() {
        plan.note = Some(text(Some(reason), "reason", 0, 500, "")?).filter(|r| !r.is_empty());
    }
    plan.audiences = vec![Audience::Resident, Audience::Caseworkers];
    Ok(plan)
}

/// Applies corrected fields a resident supplies with their supplement.
fn apply_supplement(
    state: &AppState,
    app: &applications::Model,
    req: &SupplementRequest,
    changes: &mut applications::ActiveModel,
) -> AppResult<()> {
    let mut fields = FieldErrors::new();
    if let Some(a) = &req.address {
        match clean_text(a, 200, false) {
            Ok(a) => changes.address = Set(a),
            Err(e) => {
                fields.insert("address".into(), e);
            }
        }
    }
    if let Some(d) = &req.description {
        match clean_text(d, 2000, true) {
            Ok(d) => changes.description = Set(d),
            Err(e) => {
                fields.insert("description".into(), e);
            }
        }
    }
    if let Some(y) = req.monthly_income_yuan {
        match yuan_to_fen(y) {
            Ok(f) => changes.monthly_income_fen = Set(Some(f)),
            Err(e) => {
                fields.insert("monthly_income_yuan".into(), e);
            }
        }
    }
    if let Some(members) = &req.household {
        let parsed = domain::validate_household(members, local_date(db::now()), &mut fields);
        if fields.is_empty() {
            let mut model = app.clone();
            set_household(state, &mut model, &parsed);
            changes.household = Set(model.household);
            changes.household_enc = Set(model.household_enc);
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(fields))
    }
}
