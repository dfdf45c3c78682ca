//! Executes an action on a case: checks it against the state machine and the case's rules,
//! then writes the new state, a timeline entry and the outbox row in one transaction. The
//! update is conditional on the version read, so of two concurrent actions exactly one wins.

use sea_orm::{ActiveValue::Set, DatabaseTransaction};
use serde_json::{Value, json};
use uuid::Uuid;

use entity::applications;

use crate::{
    applications::{
        domain::{self, clean_text, yuan_to_fen},
        dto::{HouseholdMemberInput, SupplementRequest, TransitionRequest},
        events::{self, Audience, NewEvent},
        service::{self, EventActor, set_household, stale},
        sla, store,
        views::status,
        workflow::{self, Action, Actor, Refusal, Status, Target},
    },
    assistance,
    auth::{Resident, Staff},
    calendar::domain::{end_of_day, local_date},
    db,
    error::{AppError, AppResult, FieldErrors, codes},
    jurisdictions::{self as juris, Level},
    staff::{self, Role},
    state::AppState,
};

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

pub enum Who<'a> {
    Resident(&'a Resident),
    Staff(&'a Staff),
    /// A 回访 result recorded by this staff member (the hotline's follow-up actor).
    FollowUp(&'a Staff),
}

/// Everything an action may carry; unused parts are ignored.
#[derive(Default)]
pub struct Command {
    pub action: Option<Action>,
    pub expected_version: Option<i32>,
    pub note: Option<String>,
    pub note_public: bool,
    pub amount_yuan: Option<f64>,
    pub reason: Option<String>,
    pub items: Option<Vec<String>>,
    pub assignee_id: Option<Uuid>,
    pub community_code: Option<String>,
    pub supplement: Option<SupplementRequest>,
}

impl From<TransitionRequest> for Command {
    fn from(r: TransitionRequest) -> Self {
        Command {
            action: Some(r.action),
            expected_version: Some(r.expected_version),
            note: r.note,
            note_public: r.note_public,
            amount_yuan: r.amount_yuan,
            reason: r.reason,
            items: r.items,
            assignee_id: r.assignee_id,
            community_code: r.community_code,
            supplement: None,
        }
    }
}

/// What the action changes, decided before anything is written.
struct Plan {
    changes: applications::ActiveModel,
    /// Recompute the clock for the new state.
    new_stage: bool,
    /// The clock was set explicitly (resume).
    clock_set: bool,
    public: bool,
    note: Option<String>,
    data: Value,
    audiences: Vec<Audience>,
    event: &'static str,
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

/// A required free text of `min`..=`max` characters (no control characters but line breaks),
/// with `missing` as the field error when it is too short.
pub(crate) fn text(
    value: Option<&str>,
    field: &str,
    min: usize,
    max: usize,
    missing: &str,
) -> Result<String, AppError> {
    let v =
        clean_text(value.unwrap_or_default(), max, true).map_err(|e| AppError::field(field, e))?;
    if v.chars().count() < min {
        return Err(AppError::field(field, missing));
    }
    Ok(v)
}

fn amount(cmd: &Command) -> AppResult<i64> {
    let yuan = cmd
        .amount_yuan
        .ok_or_else(|| AppError::field("amount_yuan", "请填写救助金额"))?;
    let fen = yuan_to_fen(yuan).map_err(|e| AppError::field("amount_yuan", e))?;
    if fen == 0 {
        return Err(AppError::field("amount_yuan", "救助金额应大于 0"));
    }
    Ok(fen)
}

fn separation(me: &Staff, app: &applications::Model) -> AppResult<()> {
    if app.investigator_id == Some(me.id) {
        return Err(AppError::forbidden(
            "separation_of_duties",
            "调查人员不能审批自己调查的案件,请由其他审批人员处理",
        ));
    }
    Ok(())
}

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
    .ok_or_else(super::not_found)?;
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
    let now = db::now();
    let to = match target {
        Target::To(s) => s,
        Target::Stay => from,
        Target::Resume => app
            .resume_status
            .as_deref()
            .and_then(Status::parse)
            .unwrap_or(Status::Submitted),
    };

    let mut plan = Plan {
        changes: applications::ActiveModel::default(),
        new_stage: to != from,
        clock_set: false,
        public: true,
        note: None,
        data: json!({}),
        audiences: vec![Audience::Resident],
        event: action.as_str(),
    };
    let note = match cmd.note.as_deref() {
        Some(n) => Some(clean_text(n, 1000, true).map_err(|e| AppError::field("note", e))?)
            .filter(|n| !n.is_empty()),
        None => None,
    };

    match (&who, action) {
        (Who::Staff(me), Action::Accept) => {
            if app.assignee_id.is_none() && me.role == Role::Caseworker {
                plan.changes.assignee_id = Set(Some(me.id));
            }
        }
        (Who::Staff(_), Action::RequestSupplement) => {
            let items: Vec<String> = cmd
                .items
                .clone()
                .unwrap_or_default()
                .iter()
                .map(|i| i.trim().to_string())
                .filter(|i| !i.is_empty())
                .collect();
            if items.is_empty() || items.len() > 20 || items.iter().any(|i| i.chars().count() > 200)
            {
                return Err(AppError::field(
                    "items",
                    "请一次性列出所有需要补充的材料(1–20 项,每项不超过 200 字)",
                ));
            }
            plan.changes.resume_status = Set(Some(from.as_str().into()));
            plan.changes.supplement_items = Set(Some(json!(items)));
            plan.data = json!({ "items": items });
        }
        (Who::Resident(_), Action::Supplement) => {
            let req = cmd
                .supplement
                .as_ref()
                .ok_or_else(|| AppError::field("note", "请说明补充了哪些材料"))?;
            let supplied = text(Some(&req.note), "note", 1, 1000, "请说明补充了哪些材料")?;
            apply_supplement(state, &app, req, &mut plan.changes)?;
            let (clock, total, backfill) = sla::resume(&cal, now, &app);
            clock.apply(&mut plan.changes, false);
            plan.changes.total_due_at = Set(total);
            plan.changes.backfill_due_at = Set(backfill);
            plan.changes.resume_status = Set(None);
            plan.clock_set = true;
            plan.new_stage = false;
            plan.data = json!({ "requested": app.supplement_items, "supplied": supplied });
            plan.note = Some(supplied);
            plan.audiences = vec![Audience::Caseworkers];
        }
        (Who::Staff(me), Action::StartInvestigation) => {
            if from == Status::PublicNotice && note.is_none() {
                return Err(AppError::field("note", "公示期间退回调查,请写明异议内容"));
            }
            if app.assignee_id.is_none() {
                plan.changes.assignee_id = Set(Some(me.id));
            }
        }
        (Who::Staff(me), Action::SubmitReview) => {
            if note.is_none() {
                return Err(AppError::field(
                    "note",
                    "请填写入户调查和经济状况核对的意见",
                ));
            }
            plan.changes.investigator_id = Set(Some(me.id));
        }
        (Who::Staff(me), Action::StartPublicNotice) => {
            separation(me, &app)?;
            if kind.public_notice_days <= 0 {
                return Err(AppError::unprocessable(
                    "public_notice_not_required",
                    format!("{}无需公示,可直接作出决定", kind.name),
                ));
            }
            let ends = end_of_day(
                local_date(now) + chrono::Duration::days(kind.public_notice_days as i64),
            );
            plan.changes.public_notice_ends_at = Set(Some(ends));
            // 公示 does not count against the overall limit: it moves later by the notice's
            // working days.
            // `ends` is midnight after the last notice day, which is not itself paused.
            let paused = cal.working_days_between(now, ends - chrono::Duration::seconds(1));
            plan.changes.total_due_at = Set(app.total_due_at.map(|t| cal.extend(t, paused)));
            plan.data = json!({ "ends_at": ends, "days": kind.public_notice_days });
        }
        (Who::Staff(me), Action::Approve) => {
            separation(me, &app)?;
            if kind.public_notice_days > 0 {
                if from == Status::Review {
                    return Err(AppError::unprocessable(
                        "public_notice_required",
                        format!(
                            "{}须先公示 {} 天,公示期满后才能批准",
                            kind.name, kind.public_notice_days
                        ),
                    ));
                }
                if app.public_notice_ends_at.is_some_and(|end| now < end) {
                    return Err(AppError::unprocessable(
                        "public_notice_in_progress",
                        "公示期尚未结束,期满后才能批准",
                    ));
                }
            }
            let fen = amount(&cmd)?;
            decide(&mut plan, me, now);
            plan.changes.approved_amount_fen = Set(Some(fen));
            plan.data = json!({ "amount_yuan": domain::fen_to_yuan(fen) });
        }
        (Who::Staff(me), Action::Reject) => {
            separation(me, &app)?;
            let reason = text(
                cmd.reason.as_deref(),
                "reason",
                5,
                500,
                "请写明不予批准的理由(至少 5 个字),将告知申请人",
            )?;
            decide(&mut plan, me, now);
            plan.changes.rejection_reason = Set(Some(reason.clone()));
            plan.data = json!({ "reason": reason });
        }
        (Who::Staff(_), Action::EmergencyApprove) => {
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
            let fen = amount(&cmd)?;
            let cap = emergency_cap(state, txn, &app).await?;
            if fen > cap {
                return Err(AppError::field(
                    "amount_yuan",
                    format!(
                        "超出本街道先行救助额度 {:.2} 元,请报区民政审批",
                        domain::fen_to_yuan(cap)
                    ),
                ));
            }
            let backfill = cal.deadline(now, kind.emergency_backfill_working_days.max(1) as u32);
            plan.changes.emergency_amount_fen = Set(Some(fen));
            plan.changes.backfill_due_at = Set(Some(backfill));
            plan.data =
                json!({ "amount_yuan": domain::fen_to_yuan(fen), "backfill_due_at": backfill });
            plan.audiences = vec![Audience::Resident, Audience::Caseworkers];
        }
        (Who::Staff(_), Action::Close) => {}
        (Who::Staff(_), Action::Reopen) | (Who::FollowUp(_), Action::FollowUpReopen) => {
            let why = text(note.as_deref(), "note", 2, 1000, "请写明重新办理的原因")?;
            let key = format!("{}:{}", app.applicant_id_bidx, app.assistance_type);
            if let Some(other) = store::find_open_by_key(txn, &key).await? {
                let visible = match who {
                    Who::Staff(me) | Who::FollowUp(me) => {
                        me.scope.contains(&other.jurisdiction_path)
                    }
                    Who::Resident(_) => false,
                };
                return Err(codes::DUPLICATE_APPLICATION
                    .with("该申请人已有一件同类申请正在办理,不能重新办理本件")
                    .with_details(visible.then(|| json!({ "existing_id": other.id }))));
            }
            plan.changes.open_key = Set(Some(key));
            plan.changes.total_due_at = Set(Some(
                cal.deadline(now, kind.total_working_days.max(1) as u32),
            ));
            // The earlier decision is history (the timeline keeps it), not this case's answer.
            plan.changes.decided_at = Set(None);
            plan.changes.decided_by = Set(None);
            plan.changes.investigator_id = Set(None);
            plan.changes.backfill_due_at = Set(None);
            plan.changes.rejection_reason = Set(None);
            plan.changes.approved_amount_fen = Set(None);
            plan.changes.emergency_amount_fen = Set(None);
            plan.changes.supplement_items = Set(None);
            plan.changes.public_notice_ends_at = Set(None);
            plan.data = json!({ "reason": why });
            plan.audiences = vec![Audience::Resident, Audience::Caseworkers];
            if action == Action::FollowUpReopen {
                plan.audiences
                    .extend([Audience::Street, Audience::District]);
            }
        }
        (Who::Staff(me), Action::Assign) => {
            let assignee = plan_assign(txn, me, &app, cmd.assignee_id).await?;
            plan.changes.assignee_id = Set(Some(assignee.0));
            plan.public = false;
            plan.data = json!({ "assignee_id": assignee.0, "assignee": assignee.1 });
            plan.audiences = vec![Audience::Caseworkers];
        }
        (Who::Staff(me), Action::Transfer) => {
            let why = text(note.as_deref(), "note", 2, 1000, "请写明转办原因")?;
            let code = cmd
                .community_code
                .as_deref()
                .map(str::trim)
                .unwrap_or_default();
            let target = juris::store::find_by_code(txn, code).await?;
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
        }
        (Who::Resident(_), Action::Withdraw) => {
            if let Some(reason) = cmd.reason.as_deref() {
                plan.note =
                    Some(text(Some(reason), "reason", 0, 500, "")?).filter(|r| !r.is_empty());
            }
            plan.audiences = vec![Audience::Resident, Audience::Caseworkers];
        }
        // The state machine refused every other pairing already; submit has its own path.
        _ => return Err(refusal(Refusal::NotAllowed, &app, action)),
    }

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
        let clock = sla::for_stage(&cal, now, &next, &kind, from, to);
        // A stage that carries on the running clock (investigation after acceptance, waiting
        // for a supplement) keeps its escalation level, so no reminder is sent twice.
        let fresh =
            clock.stage_started_at != app.stage_started_at || clock.deadline_at != app.deadline_at;
        clock.apply(&mut plan.changes, fresh);
        if !to.is_open() {
            plan.changes.sla_state = Set("none".into());
        }
    }
    // Reopening takes the one-open-case key; a concurrent reopening of another case of the
    // same applicant and type may have taken it first.
    if !store::update_versioned(txn, app.id, app.version, plan.changes)
        .await
        .map_err(service::unique_violation)?
    {
        return Err(stale());
    }
    let updated = store::find(txn, app.id)
        .await?
        .ok_or_else(super::not_found)?;

    let actor = match &who {
        Who::Resident(r) => EventActor::resident(r),
        Who::Staff(s) => EventActor::staff(s),
        Who::FollowUp(s) => EventActor::follow_up(s),
    };
    let event_note = plan.note.clone().or(note);
    let note_public = action == Action::Supplement || action == Action::Withdraw || cmd.note_public;
    let public_note = event_note.clone().filter(|_| note_public);
    events::record(
        txn,
        NewEvent {
            application_id: app.id,
            actor_kind: actor.kind,
            actor_id: actor.id,
            actor_label: actor.label,
            actor_role: actor.role,
            action: plan.event,
            from_status: Some(from.as_str()),
            to_status: Some(to.as_str()),
            note: event_note,
            note_public,
            public: plan.public,
            data: Some(plan.data.clone()),
        },
    )
    .await?;
    let mut extra = plan.data.clone();
    if let (Some(obj), Some(n)) = (extra.as_object_mut(), public_note) {
        obj.insert("note".into(), json!(n));
    }
    if let Some(obj) = extra.as_object_mut() {
        obj.insert("from_status".into(), json!(from.as_str()));
    }
    events::notify(txn, &updated, plan.event, &plan.audiences, extra).await?;
    crate::hotline::followups::on_case_transition(txn, &cal, &updated, from, to).await?;
    Ok(updated)
}

/// `/a/b/c/` → `/a/b/`.
fn parent_path(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => &path[..=i],
        None => path,
    }
}

fn decide(plan: &mut Plan, me: &Staff, now: chrono::DateTime<chrono::Utc>) {
    plan.changes.decided_by = Set(Some(me.id));
    plan.changes.decided_at = Set(Some(now));
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
        let parsed = household(members, &mut fields);
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

fn household(
    members: &[HouseholdMemberInput],
    fields: &mut FieldErrors,
) -> Vec<domain::ValidMember> {
    domain::validate_household(members, local_date(db::now()), fields)
}

/// The 先行救助 amount the case's street may grant: its own setting or the city default.
async fn emergency_cap(
    state: &AppState,
    txn: &DatabaseTransaction,
    app: &applications::Model,
) -> AppResult<i64> {
    let street_code = crate::jurisdictions::domain::path_codes(&app.jurisdiction_path)
        .iter()
        .rev()
        .nth(1)
        .map(|c| c.to_string());
    if let Some(code) = street_code
        && let Some(street) = juris::store::find_by_code(txn, &code).await?
        && let Some(cap) = juris::store::emergency_cap(txn, street.id).await?
    {
        return Ok(cap);
    }
    Ok(state.settings.emergency_cap_fen)
}

/// The assignee of an `assign`: approvers and supervisors pick a caseworker who covers the
/// case's community; a caseworker may only claim an unassigned case.
async fn plan_assign(
    txn: &DatabaseTransaction,
    me: &Staff,
    app: &applications::Model,
    requested: Option<Uuid>,
) -> AppResult<(Uuid, String)> {
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
    let candidate = staff::store::find_in_scope(txn, &me.scope, id).await?;
    match candidate {
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
