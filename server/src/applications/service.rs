//! Intake: creating applications (online or by the hotline), editing drafts and submitting
//! them. Each runs inside the caller's transaction, with its timeline entry and outbox row.

use sea_orm::{ActiveValue::Set, DatabaseTransaction, IntoActiveModel};
use serde_json::json;
use uuid::Uuid;

use entity::{applications, assistance_types, jurisdictions};

use crate::{
    applications::{
        domain::{self, Validated},
        dto::{
            ApplicationInput, GuardianInput, GuardianView, HouseholdMemberInput,
            HouseholdMemberView,
        },
        events::{self, Audience, NewEvent},
        pii::{self, context},
        sla::{self, Clock},
        store,
        workflow::Status,
    },
    assistance,
    auth::{Resident, Staff},
    calendar::domain::local_date,
    db,
    error::{AppError, AppResult, FieldErrors, codes},
    jurisdictions::{self as juris, Level, Scope},
    state::AppState,
};

/// Who appears on the timeline for an action.
#[derive(Debug, Clone)]
pub struct EventActor {
    pub kind: &'static str,
    pub id: Option<Uuid>,
    pub label: String,
    pub role: Option<&'static str>,
}

impl EventActor {
    pub fn resident(r: &Resident) -> Self {
        EventActor {
            kind: "resident",
            id: Some(r.id),
            label: "申请人".into(),
            role: None,
        }
    }

    pub fn staff(s: &Staff) -> Self {
        EventActor {
            kind: "staff",
            id: Some(s.id),
            label: format!("{}({}·{})", s.label(), s.role.label(), s.scope.name),
            role: Some(s.role.as_str()),
        }
    }

    /// A 回访 result, recorded by `s`: the resident's verdict acts, not the operator.
    pub fn follow_up(s: &Staff) -> Self {
        EventActor {
            kind: "follow_up",
            id: Some(s.id),
            label: format!("回访({}·{})", s.label(), s.role.label()),
            role: None,
        }
    }
}

pub struct Intake<'a> {
    /// `online` or `hotline`.
    pub channel: &'static str,
    pub resident_id: Option<Uuid>,
    pub actor: EventActor,
    pub input: &'a ApplicationInput,
    /// The entering staff member's jurisdiction, when staff enter the case.
    pub staff_scope: Option<&'a Scope>,
}

/// Who is told the id of the case a duplicate collides with: only someone who may open it.
#[derive(Clone, Copy)]
pub enum Viewer<'a> {
    Resident(Uuid),
    Staff(&'a Scope),
    Nobody,
}

impl Viewer<'_> {
    fn may_see(self, app: &applications::Model) -> bool {
        match self {
            Viewer::Resident(id) => app.resident_id == Some(id),
            Viewer::Staff(scope) => scope.contains(&app.jurisdiction_path),
            Viewer::Nobody => false,
        }
    }
}

/// The community a case goes to: the scanned entry point's, or the named community.
pub struct Routing {
    pub community: jurisdictions::Model,
    pub entry_point_id: Option<Uuid>,
    pub scene: Option<String>,
}

pub async fn route(
    txn: &DatabaseTransaction,
    input: &ApplicationInput,
    channel: &str,
    fields: &mut FieldErrors,
) -> AppResult<Option<Routing>> {
    let scene = input
        .scene
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let code = input
        .community_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(scene) = scene {
        return match find_scene(txn, scene).await? {
            Some((ep_id, community)) => {
                if let Some(code) = code
                    && !code.eq_ignore_ascii_case(&community.code)
                {
                    fields.insert(
                        "community_code".into(),
                        "所选社区与扫描的二维码不一致".into(),
                    );
                    return Ok(None);
                }
                Ok(Some(Routing {
                    community,
                    entry_point_id: Some(ep_id),
                    scene: Some(scene.to_string()),
                }))
            }
            None => {
                fields.insert(
                    "scene".into(),
                    "二维码已失效,请重新扫描社区张贴的二维码,或直接选择所在社区".into(),
                );
                Ok(None)
            }
        };
    }
    let Some(code) = code else {
        fields.insert(
            "community_code".into(),
            if channel == "online" {
                "请扫描社区二维码,或选择您所在的社区".into()
            } else {
                "请填写申请人所在社区(村)的区划代码".into()
            },
        );
        return Ok(None);
    };
    match juris::store::find_by_code(txn, code).await? {
        Some(node) if Level::parse(&node.level) == Some(Level::Community) => Ok(Some(Routing {
            community: node,
            entry_point_id: None,
            scene: None,
        })),
        Some(_) => {
            fields.insert("community_code".into(), "请选择社区(村)一级的区划".into());
            Ok(None)
        }
        None => {
            fields.insert("community_code".into(), "所选社区不存在".into());
            Ok(None)
        }
    }
}

/// The enabled entry point of a scene and the community it routes to.
async fn find_scene(
    txn: &DatabaseTransaction,
    scene: &str,
) -> AppResult<Option<(Uuid, jurisdictions::Model)>> {
    Ok(
        crate::entry_points::store::find_enabled_by_scene(txn, scene)
            .await?
            .filter(|(_, node)| Level::parse(&node.level) == Some(Level::Community))
            .map(|(ep, node)| (ep.id, node)),
    )
}

async fn new_reference(txn: &DatabaseTransaction) -> AppResult<String> {
    let day = local_date(db::now()).format("%y%m%d").to_string();
    for _ in 0..5 {
        let n = u32::from_le_bytes(crate::config::random_bytes::<4>()) % 1_000_000;
        let reference = format!("ZT{day}{n:06}");
        if !store::reference_taken(txn, &reference).await? {
            return Ok(reference);
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "could not find a free reference"
    )))
}

/// Writes the validated fields (encrypting what must be) into `model`.
fn fill(state: &AppState, model: &mut applications::Model, v: &Validated) {
    let c = &state.cipher;
    model.applicant_name = v.applicant_name.clone();
    model.applicant_id_enc = c.encrypt(&context("applicant_id", model.id), v.id_number.as_str());
    model.applicant_id_bidx = c.blind_index("id_number", v.id_number.as_str());
    model.applicant_id_masked = v.id_number.masked();
    model.applicant_phone_enc = c.encrypt(&context("applicant_phone", model.id), v.phone.as_str());
    model.applicant_phone_bidx = c.blind_index("phone", v.phone.as_str());
    model.applicant_phone_masked = v.phone.masked();
    model.guardian = v.guardian.as_ref().map(|g| {
        json!(GuardianView {
            name: g.name.clone(),
            relation: g.relation.clone(),
            id_number: g.id_number.masked(),
        })
    });
    model.guardian_enc = v.guardian.as_ref().map(|g| {
        let full = GuardianInput {
            name: g.name.clone(),
            id_number: g.id_number.as_str().into(),
            relation: g.relation.clone(),
            phone: g.phone.as_ref().map(|p| p.as_str().into()),
        };
        c.encrypt(&context("guardian", model.id), &json!(full).to_string())
    });
    set_household(state, model, &v.household);
    model.address = v.address.clone();
    model.monthly_income_fen = v.monthly_income_fen;
    model.description = v.description.clone();
    model.urgent = v.urgent;
}

pub fn set_household(
    state: &AppState,
    model: &mut applications::Model,
    members: &[domain::ValidMember],
) {
    let view: Vec<HouseholdMemberView> = members
        .iter()
        .map(|m| HouseholdMemberView {
            name: m.name.clone(),
            relation: m.relation.clone(),
            id_number: m.id_number.as_ref().map(|i| i.masked()),
            age: m.age,
        })
        .collect();
    let full: Vec<HouseholdMemberInput> = members
        .iter()
        .map(|m| HouseholdMemberInput {
            name: m.name.clone(),
            relation: m.relation.clone(),
            id_number: m.id_number.as_ref().map(|i| i.as_str().into()),
            age: m.age,
        })
        .collect();
    model.household = json!(view);
    model.household_enc = state
        .cipher
        .encrypt(&context("household", model.id), &json!(full).to_string());
}

async fn enabled_type(
    txn: &DatabaseTransaction,
    code: &str,
) -> AppResult<Option<assistance_types::Model>> {
    Ok(assistance::store::find(txn, code.trim())
        .await?
        .filter(|t| t.enabled))
}

/// The refusal of a second open case of one type for one ID number. The existing case is named
/// only to someone who may open it; anyone else learns no more than that one exists.
pub fn duplicate(existing: &applications::Model, viewer: Viewer<'_>) -> AppError {
    AppError::from(codes::DUPLICATE_APPLICATION).with_details(
        viewer
            .may_see(existing)
            .then(|| json!({ "existing_id": existing.id })),
    )
}

/// The one-open-case key: an ID number (blind index) and an assistance type.
fn open_key(id_bidx: &str, kind: &str) -> String {
    format!("{id_bidx}:{kind}")
}

/// A concurrent writer took the one-open-case key first (PostgreSQL names the constraint
/// `applications_open_key_key`, SQLite the column `applications.open_key`). Any other
/// violation is not a duplicate application and stays an internal error.
pub(crate) fn unique_violation(e: sea_orm::DbErr) -> AppError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(m)) if m.contains("open_key") => {
            AppError::from(codes::DUPLICATE_APPLICATION)
        }
        _ => AppError::Database(e),
    }
}

/// Starts the submitted stage: submission time, overall limit and first-response clock.
fn submit_clock(
    state_cal: &crate::calendar::WorkCalendar,
    model: &mut applications::Model,
    kind: &assistance_types::Model,
) {
    let now = db::now();
    model.submitted_at = Some(now);
    model.total_due_at = Some(state_cal.deadline(now, kind.total_working_days.max(1) as u32));
    let clock = sla::for_stage(
        state_cal,
        now,
        model,
        kind,
        Status::Draft,
        Status::Submitted,
    );
    set_clock(model, &clock);
}

fn set_clock(model: &mut applications::Model, clock: &Clock) {
    model.stage_started_at = clock.stage_started_at;
    model.at_risk_at = clock.at_risk_at;
    model.deadline_at = clock.deadline_at;
    model.supervise_at = clock.supervise_at;
    model.paused_at = clock.paused_at;
    model.sla_state = if clock.deadline_at.is_some() {
        "on_track"
    } else {
        "none"
    }
    .into();
    model.escalation_level = 0;
}

/// Creates an application (a draft when asked online). Duplicates of a submitted, open case of the
/// same type for the same ID number are refused. A draft claims nothing: the one-open-case slot is
/// taken at submission, so an abandoned draft never blocks a real application.
pub async fn create(
    state: &AppState,
    txn: &DatabaseTransaction,
    intake: Intake<'_>,
) -> AppResult<applications::Model> {
    let input = intake.input;
    let draft = input.draft && intake.channel == "online";
    let now = db::now();
    let kind = enabled_type(txn, &input.assistance_type).await?;
    let mut fields = FieldErrors::new();
    let routing = route(txn, input, intake.channel, &mut fields).await?;
    let validated = match domain::validate(input, kind.as_ref(), local_date(now), !draft) {
        Ok(v) => Some(v),
        Err(more) => {
            fields.extend(more);
            None
        }
    };
    let (Some(kind), Some(routing), Some(v), true) = (kind, routing, validated, fields.is_empty())
    else {
        return Err(AppError::validation(fields));
    };

    let id = Uuid::now_v7();
    let id_bidx = state.cipher.blind_index("id_number", v.id_number.as_str());
    let key = open_key(&id_bidx, &kind.code);
    if let Some(existing) = store::find_open_by_key(txn, &key).await? {
        let viewer = match (intake.resident_id, intake.staff_scope) {
            (Some(resident), _) => Viewer::Resident(resident),
            (None, Some(scope)) => Viewer::Staff(scope),
            (None, None) => Viewer::Nobody,
        };
        return Err(duplicate(&existing, viewer));
    }
    let mut model = applications::Model {
        id,
        reference: new_reference(txn).await?,
        resident_id: intake.resident_id,
        channel: intake.channel.into(),
        entry_point_id: routing.entry_point_id,
        scene: routing.scene,
        assistance_type: kind.code.clone(),
        community_id: routing.community.id,
        jurisdiction_path: routing.community.path.clone(),
        status: if draft {
            Status::Draft
        } else {
            Status::Submitted
        }
        .as_str()
        .into(),
        version: 1,
        urgent: false,
        applicant_name: String::new(),
        applicant_id_enc: String::new(),
        applicant_id_bidx: String::new(),
        applicant_id_masked: String::new(),
        applicant_phone_enc: String::new(),
        applicant_phone_bidx: String::new(),
        applicant_phone_masked: String::new(),
        guardian: None,
        guardian_enc: None,
        address: String::new(),
        household: json!([]),
        household_enc: String::new(),
        monthly_income_fen: None,
        description: String::new(),
        open_key: (!draft).then_some(key),
        resume_status: None,
        supplement_items: None,
        assignee_id: None,
        investigator_id: None,
        decided_by: None,
        approved_amount_fen: None,
        rejection_reason: None,
        emergency_amount_fen: None,
        backfill_due_at: None,
        public_notice_ends_at: None,
        stage_started_at: None,
        at_risk_at: None,
        deadline_at: None,
        supervise_at: None,
        total_due_at: None,
        paused_at: None,
        sla_state: "none".into(),
        escalation_level: 0,
        submitted_at: None,
        decided_at: None,
        created_at: now,
        updated_at: now,
    };
    fill(state, &mut model, &v);
    if !draft {
        let cal = sla::calendar(txn).await?;
        submit_clock(&cal, &mut model, &kind);
    }
    let app = store::insert(txn, model.into_active_model())
        .await
        .map_err(unique_violation)?;
    events::record(
        txn,
        NewEvent {
            application_id: app.id,
            actor_kind: intake.actor.kind,
            actor_id: intake.actor.id,
            actor_label: intake.actor.label.clone(),
            actor_role: intake.actor.role,
            action: if draft { "create_draft" } else { "submit" },
            from_status: None,
            to_status: Some(&app.status),
            note: None,
            note_public: false,
            public: true,
            data: Some(json!({ "channel": app.channel })),
        },
    )
    .await?;
    if !draft {
        notify_submitted(txn, &app).await?;
    }
    Ok(app)
}

async fn notify_submitted(txn: &DatabaseTransaction, app: &applications::Model) -> AppResult<()> {
    let mut audiences = vec![Audience::Resident, Audience::Caseworkers];
    if app.urgent {
        audiences.push(Audience::Street);
    }
    events::notify(txn, app, "submitted", &audiences, json!({})).await?;
    Ok(())
}

/// Replaces a draft's fields. Only the owner's drafts can be edited.
pub async fn update_draft(
    state: &AppState,
    txn: &DatabaseTransaction,
    resident: &Resident,
    id: Uuid,
    input: &ApplicationInput,
) -> AppResult<applications::Model> {
    let app = store::find_for_resident(txn, resident.id, id)
        .await?
        .ok_or_else(super::not_found)?;
    if app.status != Status::Draft.as_str() {
        return Err(AppError::Conflict {
            code: "not_a_draft",
            message: "申请已提交,不能再修改;如需补充材料请等待工作人员通知".into(),
            details: None,
        });
    }
    let kind = enabled_type(txn, &input.assistance_type).await?;
    let mut fields = FieldErrors::new();
    let routing = route(txn, input, "online", &mut fields).await?;
    let validated = match domain::validate(input, kind.as_ref(), local_date(db::now()), false) {
        Ok(v) => Some(v),
        Err(more) => {
            fields.extend(more);
            None
        }
    };
    let (Some(kind), Some(routing), Some(v), true) = (kind, routing, validated, fields.is_empty())
    else {
        return Err(AppError::validation(fields));
    };
    // Said now rather than at submission, so the resident does not fill in a form in vain.
    let key = open_key(
        &state.cipher.blind_index("id_number", v.id_number.as_str()),
        &kind.code,
    );
    if let Some(existing) = store::find_open_by_key(txn, &key).await? {
        return Err(duplicate(&existing, Viewer::Resident(resident.id)));
    }
    let version = app.version;
    let mut model = app;
    fill(state, &mut model, &v);
    model.assistance_type = kind.code.clone();
    model.community_id = routing.community.id;
    model.jurisdiction_path = routing.community.path.clone();
    model.entry_point_id = routing.entry_point_id;
    model.scene = routing.scene;
    let mut active = sea_orm::ActiveModelTrait::reset_all(model.into_active_model());
    active.id = sea_orm::ActiveValue::NotSet;
    active.created_at = sea_orm::ActiveValue::NotSet;
    active.reference = sea_orm::ActiveValue::NotSet;
    if !store::update_versioned(txn, id, version, active).await? {
        return Err(stale());
    }
    store::find(txn, id).await?.ok_or_else(super::not_found)
}

pub fn stale() -> AppError {
    codes::STALE_VERSION.with("该申请已被他人更新,请刷新后重试")
}

/// Submits a draft: everything the type requires must now be present.
pub async fn submit(
    state: &AppState,
    txn: &DatabaseTransaction,
    resident: &Resident,
    id: Uuid,
    expected_version: Option<i32>,
) -> AppResult<applications::Model> {
    let app = store::find_for_resident(txn, resident.id, id)
        .await?
        .ok_or_else(super::not_found)?;
    if app.status != Status::Draft.as_str() {
        return Err(codes::INVALID_TRANSITION.with(format!(
            "申请当前为“{}”,无需再次提交",
            super::views::status(&app).label()
        )));
    }
    if expected_version.is_some_and(|v| v != app.version) {
        return Err(stale());
    }
    let kind = enabled_type(txn, &app.assistance_type)
        .await?
        .ok_or_else(|| {
            AppError::field("assistance_type", "该救助类型已停用,请修改申请类型后再提交")
        })?;
    // Re-check completeness from the stored (decrypted) fields.
    let full = pii::reveal(&state.cipher, &app)?;
    let community = juris::store::find_by_id(txn, app.community_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("community of {} missing", app.id)))?;
    let input = ApplicationInput {
        assistance_type: app.assistance_type.clone(),
        scene: None,
        community_code: Some(community.code),
        applicant: full.applicant,
        guardian: full.guardian,
        address: app.address.clone(),
        household: full.household,
        monthly_income_yuan: app.monthly_income_fen.map(domain::fen_to_yuan),
        description: app.description.clone(),
        urgent: app.urgent,
        draft: false,
    };
    domain::validate(&input, Some(&kind), local_date(db::now()), true)
        .map_err(AppError::validation)?;
    // The draft takes the one-open-case slot now; another submitted case of the type refuses it.
    let key = open_key(&app.applicant_id_bidx, &app.assistance_type);
    if let Some(existing) = store::find_open_by_key(txn, &key).await? {
        return Err(duplicate(&existing, Viewer::Resident(resident.id)));
    }
    let cal = sla::calendar(txn).await?;
    let mut model = app.clone();
    model.status = Status::Submitted.as_str().into();
    submit_clock(&cal, &mut model, &kind);
    let mut active = applications::ActiveModel {
        status: Set(model.status.clone()),
        submitted_at: Set(model.submitted_at),
        total_due_at: Set(model.total_due_at),
        sla_state: Set(model.sla_state.clone()),
        escalation_level: Set(0),
        open_key: Set(Some(key)),
        ..Default::default()
    };
    sla::Clock::of(&model).apply(&mut active, false);
    if !store::update_versioned(txn, id, app.version, active)
        .await
        .map_err(unique_violation)?
    {
        return Err(stale());
    }
    let app = store::find(txn, id).await?.ok_or_else(super::not_found)?;
    events::record(
        txn,
        NewEvent {
            application_id: app.id,
            actor_kind: "resident",
            actor_id: Some(resident.id),
            actor_label: "申请人".into(),
            actor_role: None,
            action: "submit",
            from_status: Some(Status::Draft.as_str()),
            to_status: Some(Status::Submitted.as_str()),
            note: None,
            note_public: false,
            public: true,
            data: None,
        },
    )
    .await?;
    notify_submitted(txn, &app).await?;
    Ok(app)
}
