//! A resident's drafts: edited freely (checked for what is there, and for a duplicate early so
//! nobody fills in a form in vain), then submitted once everything the type requires is in.

use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, DatabaseTransaction, IntoActiveModel};
use uuid::Uuid;

use entity::applications;

use crate::{
    applications::{
        domain,
        dto::ApplicationInput,
        errors::{not_found, stale},
        events::{EventActor, NewEvent},
        notices::CaseNames,
        pii, sla, store,
        views::status,
        workflow::Status,
    },
    auth::Resident,
    calendar::domain::local_date,
    db,
    error::{AppError, AppResult, codes},
    jurisdictions as juris,
    money::fen_to_yuan,
    privacy::index,
    state::AppState,
};

use super::{
    create::{announce_submitted, submission},
    duplicates::{Viewer, duplicate, open_key, refuse_if_on_roll},
    pii_fill::fill,
    routing::{self, enabled_type, unique_violation},
};

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
        .ok_or_else(not_found)?;
    if app.status != Status::Draft.as_str() {
        return Err(AppError::Conflict {
            code: "not_a_draft",
            message: "申请已提交,不能再修改;如需补充材料请等待工作人员通知".into(),
            details: None,
        });
    }
    let checked = routing::check(txn, input, "online", false).await?;
    // Said now rather than at submission, so the resident does not fill in a form in vain.
    let key = open_key(
        &state
            .cipher
            .blind_index(index::ID_NUMBER, checked.fields.id_number.as_str()),
        &checked.kind.code,
    );
    if let Some(existing) = store::find_open_by_key(txn, &key).await? {
        return Err(duplicate(&existing, Viewer::Resident(resident.id)));
    }
    refuse_if_on_roll(
        txn,
        &app.applicant_id_bidx,
        &app.assistance_type,
        Viewer::Resident(resident.id),
    )
    .await?;
    let version = app.version;
    let mut model = app;
    fill(state, &mut model, &checked.fields);
    model.assistance_type = checked.kind.code.clone();
    model.community_id = checked.routing.community.id;
    model.jurisdiction_path = checked.routing.community.path.clone();
    model.entry_point_id = checked.routing.entry_point_id;
    model.scene = checked.routing.scene;
    let mut active = model.into_active_model().reset_all();
    active.id = NotSet;
    active.created_at = NotSet;
    active.reference = NotSet;
    if !store::update_versioned(txn, id, version, active).await? {
        return Err(stale());
    }
    store::find(txn, id).await?.ok_or_else(not_found)
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
        .ok_or_else(not_found)?;
    if app.status != Status::Draft.as_str() {
        return Err(codes::INVALID_TRANSITION
            .with(format!("申请当前为“{}”,无需再次提交", status(&app).label())));
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
        community_code: Some(community.code.clone()),
        applicant: full.applicant,
        guardian: full.guardian,
        address: app.address.clone(),
        household: full.household,
        monthly_income_yuan: app.monthly_income_fen.map(fen_to_yuan),
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
    let changes = submission(&cal, &app, &kind, key);
    if !store::update_versioned(txn, id, app.version, changes)
        .await
        .map_err(unique_violation)?
    {
        return Err(stale());
    }
    let app = store::find(txn, id).await?.ok_or_else(not_found)?;
    NewEvent::new(app.id, EventActor::resident(resident), "submit")
        .statuses(
            Some(Status::Draft.as_str()),
            Some(Status::Submitted.as_str()),
        )
        .record(txn)
        .await?;
    announce_submitted(txn, &app, &CaseNames::of(&kind, &community)).await?;
    Ok(app)
}
