//! Opening a case (or a resident's draft): checked, routed, guarded against a second open case
//! of the same type, encrypted, clocked, and announced in one transaction.

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{self, Set},
    DatabaseTransaction, IntoActiveModel, Iterable,
};
use serde_json::json;
use uuid::Uuid;

use entity::{applications, assistance_types};

use crate::{
    applications::{
        dto::ApplicationInput,
        events::{EventActor, NewEvent},
        notices::{self, CaseNames},
        sla, store,
        workflow::Status,
    },
    calendar::{WorkCalendar, domain::local_date},
    config::random_bytes,
    db,
    error::{AppError, AppResult},
    jurisdictions::Scope,
    outbox::Audience,
    privacy::index,
};

use super::{
    duplicates::{Viewer, duplicate, open_key, refuse_if_on_roll},
    pii_fill::fill,
    routing::{self, Checked, unique_violation},
};

pub struct Intake<'a> {
    /// `online` or `hotline`.
    pub channel: &'static str,
    pub resident_id: Option<Uuid>,
    pub actor: EventActor,
    pub input: &'a ApplicationInput,
    /// The entering staff member's jurisdiction, when staff enter the case.
    pub staff_scope: Option<&'a Scope>,
}

async fn new_reference(txn: &DatabaseTransaction) -> AppResult<String> {
    let day = local_date(db::now()).format("%y%m%d").to_string();
    for _ in 0..5 {
        let n = u32::from_le_bytes(random_bytes::<4>()) % 1_000_000;
        let reference = format!("ZT{day}{n:06}");
        if !store::reference_taken(txn, &reference).await? {
            return Ok(reference);
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "could not find a free reference"
    )))
}

/// The submission's own changes to a case: its status, submission time, overall limit,
/// first-response clock and the one-open-case key.
pub(super) fn submission(
    cal: &WorkCalendar,
    app: &applications::Model,
    kind: &assistance_types::Model,
    key: String,
) -> applications::ActiveModel {
    let now = db::now();
    let mut submitted = app.clone();
    submitted.status = Status::Submitted.as_str().into();
    submitted.submitted_at = Some(now);
    submitted.total_due_at = Some(cal.deadline(now, kind.total_working_days.max(1) as u32));
    let clock = sla::for_stage(cal, now, &submitted, kind, Status::Draft, Status::Submitted);
    let mut changes = applications::ActiveModel {
        status: Set(submitted.status),
        submitted_at: Set(submitted.submitted_at),
        total_due_at: Set(submitted.total_due_at),
        open_key: Set(Some(key)),
        ..Default::default()
    };
    clock.apply(&mut changes, true);
    changes
}

/// `base` with every field that `changes` sets.
fn overlay(
    mut base: applications::ActiveModel,
    changes: applications::ActiveModel,
) -> applications::ActiveModel {
    for col in applications::Column::iter() {
        if let ActiveValue::Set(v) = changes.get(col) {
            base.set(col, v);
        }
    }
    base
}

/// A case row with nothing filled in yet.
fn blank(
    id: Uuid,
    reference: String,
    intake: &Intake<'_>,
    checked: &Checked,
) -> applications::Model {
    let now = db::now();
    let (kind, routing) = (&checked.kind, &checked.routing);
    applications::Model {
        id,
        reference,
        resident_id: intake.resident_id,
        channel: intake.channel.into(),
        entry_point_id: routing.entry_point_id,
        scene: routing.scene.clone(),
        assistance_type: kind.code.clone(),
        community_id: routing.community.id,
        jurisdiction_path: routing.community.path.clone(),
        status: Status::Draft.as_str().into(),
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
        open_key: None,
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
        sla_state: sla::SlaState::None.as_str().into(),
        escalation_level: 0,
        submitted_at: None,
        decided_at: None,
        created_at: now,
        updated_at: now,
    }
}

/// Creates an application (a draft when asked online). Duplicates of a submitted, open case of the
/// same type for the same ID number are refused. A draft claims nothing: the one-open-case slot is
/// taken at submission, so an abandoned draft never blocks a real application.
pub async fn create(
    state: &crate::state::AppState,
    txn: &DatabaseTransaction,
    intake: Intake<'_>,
) -> AppResult<applications::Model> {
    let input = intake.input;
    let draft = input.draft && intake.channel == "online";
    let checked = routing::check(txn, input, intake.channel, !draft).await?;
    let id_bidx = state
        .cipher
        .blind_index(index::ID_NUMBER, checked.fields.id_number.as_str());
    let key = open_key(&id_bidx, &checked.kind.code);
    let viewer = match (intake.resident_id, intake.staff_scope) {
        (Some(resident), _) => Viewer::Resident(resident),
        (None, Some(scope)) => Viewer::Staff(scope),
        (None, None) => Viewer::Nobody,
    };
    if let Some(existing) = store::find_open_by_key(txn, &key).await? {
        return Err(duplicate(&existing, viewer));
    }
    if !draft {
        refuse_if_on_roll(txn, &id_bidx, &checked.kind.code, viewer).await?;
    }
    let mut model = blank(Uuid::now_v7(), new_reference(txn).await?, &intake, &checked);
    fill(state, &mut model, &checked.fields);
    let active = if draft {
        model.into_active_model()
    } else {
        let cal = sla::calendar(txn).await?;
        let changes = submission(&cal, &model, &checked.kind, key);
        overlay(model.into_active_model(), changes)
    };
    let app = store::insert(txn, active).await.map_err(unique_violation)?;
    NewEvent::new(
        app.id,
        intake.actor.clone(),
        if draft { "create_draft" } else { "submit" },
    )
    .statuses(None, Some(&app.status))
    .data(json!({ "channel": app.channel }))
    .record(txn)
    .await?;
    if !draft {
        let names = CaseNames::of(&checked.kind, &checked.routing.community);
        announce_submitted(txn, &app, &names).await?;
    }
    Ok(app)
}

/// Tells the resident and the community (and, for an urgent case, the street).
pub(super) async fn announce_submitted(
    txn: &DatabaseTransaction,
    app: &applications::Model,
    names: &CaseNames,
) -> AppResult<()> {
    let mut audiences = vec![Audience::Resident, Audience::Caseworkers];
    if app.urgent {
        audiences.push(Audience::Street);
    }
    notices::enqueue(
        txn,
        app,
        "submitted",
        notices::about(app, names, &audiences),
    )
    .await?;
    Ok(())
}
