//! Operator call entry: the call record and, in the same transaction, the case it opens
//! (channel `hotline`, routed and notified like any other), the case it is about, or the
//! community's task for a help request.

use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use entity::{applications, hotline_calls as calls, jurisdictions};

use crate::{
    applications::{
        self as apps,
        events::EventActor,
        intake::{self, Intake},
        workflow::Status,
    },
    auth::Staff,
    db,
    error::{AppError, AppResult, FieldErrors},
    hotline::{
        call_input::parse_call,
        domain::Category,
        dto::CallInput,
        store,
        tasks::{notify_community, record_on_case},
    },
    jurisdictions::{self as juris, Level},
    privacy::index,
    staff::Role,
    state::AppState,
};

/// Who may enter calls: operators only. Supervisors read the hotline's records and figures
/// but do not take calls or open cases on a caller's behalf.
pub const ENTER: &[Role] = &[Role::Operator];
/// Who reads caller histories.
pub const READ: &[Role] = &[Role::Operator, Role::Supervisor];

pub struct Entered {
    pub call: calls::Model,
    /// The case this call opened.
    pub application: Option<applications::Model>,
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// A community node inside the operator's subtree.
async fn community_in_scope(
    txn: &DatabaseTransaction,
    me: &Staff,
    code: &str,
) -> AppResult<Result<jurisdictions::Model, String>> {
    Ok(match juris::store::find_by_code(txn, code).await? {
        Some(n) if Level::parse(&n.level) != Some(Level::Community) => {
            Err("请选择社区(村)一级的区划".into())
        }
        Some(n) if !me.scope.contains(&n.path) => Err("该社区不在您的辖区内".into()),
        Some(n) => Ok(n),
        None => Err("所选社区不存在".into()),
    })
}

/// Records a call entered by an operator.
pub async fn enter(state: &AppState, me: &Staff, input: CallInput) -> AppResult<Entered> {
    me.require(ENTER)?;
    let mut fields = FieldErrors::new();
    let parsed = parse_call(&input, &mut fields);
    let call_code = non_empty(input.community_code.as_deref()).map(str::to_string);
    let txn = db::begin(&state.db).await?;

    let mut community = None;
    if let Some(code) = &call_code {
        match community_in_scope(&txn, me, code).await? {
            Ok(n) => community = Some(n),
            Err(e) => {
                fields.insert("community_code".into(), e);
            }
        }
    }
    let mut application_input = input.application.clone();
    if let Some(a) = application_input.as_mut() {
        a.urgent |= input.urgent;
        a.draft = false;
        match (non_empty(a.community_code.as_deref()), &call_code) {
            (None, Some(code)) => a.community_code = Some(code.clone()),
            (Some(own), Some(code)) if own != code => {
                fields.insert(
                    "application.community_code".into(),
                    "与来电登记的社区不一致".into(),
                );
            }
            (Some(own), None) => {
                if let Err(e) = community_in_scope(&txn, me, own).await? {
                    fields.insert("application.community_code".into(), e);
                }
            }
            _ => {}
        }
    }
    let help_task = parsed.category == Some(Category::Help)
        && input.application.is_none()
        && input.link_application_id.is_none();
    if help_task && call_code.is_none() {
        fields.insert(
            "community_code".into(),
            "求助来电须选择来电人所在社区,以便派单到社区".into(),
        );
    }

    // The case, validated together with the call so every problem is reported at once; on any
    // problem the transaction is dropped and nothing stays written.
    let created = match &application_input {
        Some(a) => {
            let made = intake::create(
                state,
                &txn,
                Intake {
                    channel: "hotline",
                    resident_id: None,
                    actor: EventActor::staff(me),
                    input: a,
                    staff_scope: Some(&me.scope),
                },
            )
            .await;
            match made {
                // A scanned scene may route outside the operator's jurisdiction.
                Ok(app) if !me.scope.contains(&app.jurisdiction_path) => {
                    fields.insert(
                        "application.scene".into(),
                        "该二维码所属社区不在您的辖区内".into(),
                    );
                    None
                }
                Ok(app) => Some(app),
                Err(AppError::Validation { fields: more, .. }) => {
                    fields.extend(
                        more.into_iter()
                            .map(|(k, v)| (format!("application.{k}"), v)),
                    );
                    None
                }
                Err(e) if fields.is_empty() => return Err(e),
                Err(_) => None,
            }
        }
        None => None,
    };
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let (Some(phone), Some(category)) = (parsed.phone, parsed.category) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "parsed call without its fields"
        )));
    };
    let linked = match input.link_application_id {
        Some(id) => Some(
            apps::store::find_in_scope(&txn, &me.scope, id)
                .await?
                .filter(|a| a.status != Status::Draft.as_str())
                .ok_or_else(apps::not_found)?,
        ),
        None => None,
    };

    let now = db::now();
    let case = created.as_ref().or(linked.as_ref());
    let (community_id, path) = match (&community, case) {
        (Some(c), _) => (Some(c.id), c.path.clone()),
        (None, Some(a)) => (Some(a.community_id), a.jurisdiction_path.clone()),
        (None, None) => (None, me.scope.path.clone()),
    };
    let fill = |call: &mut calls::Model| {
        call.caller_phone_enc = Some(state.cipher.encrypt(
            &format!("hotline_calls.caller_phone:{}", call.id),
            phone.as_str(),
        ));
        call.caller_phone_bidx = Some(state.cipher.blind_index(index::PHONE, phone.as_str()));
        call.caller_phone_masked = Some(phone.masked());
        call.caller_name = parsed.caller_name.clone();
        call.category = Some(category.as_str().into());
        call.summary = Some(parsed.summary.clone());
        call.urgent = input.urgent || created.as_ref().is_some_and(|a| a.urgent);
        call.community_id = community_id;
        call.jurisdiction_path = path.clone();
        call.application_id = case.map(|a| a.id);
        call.application_link = if created.is_some() {
            Some("created".into())
        } else if linked.is_some() {
            Some("linked".into())
        } else {
            None
        };
        if help_task {
            call.task_status = Some("open".into());
        }
        call.operator_id = Some(me.id);
        call.entered_at = Some(now);
        if call.started_source.as_deref() != Some("platform")
            && let Some(started) = input.started_at
        {
            call.started_at = Some(started);
            call.started_source = Some("operator".into());
        }
        call.updated_at = now;
    };
    let mut fresh = blank(
        Uuid::now_v7(),
        parsed.platform_call_id.clone(),
        path.clone(),
        now,
    );
    fill(&mut fresh);
    let call = match &parsed.platform_call_id {
        None => store::insert_call(&txn, fresh).await?,
        Some(pid) => match store::create_or_lock_platform_call(&txn, pid, fresh).await? {
            (call, true) => call,
            (existing, false) if existing.operator_id.is_some() => {
                // The existing record's id only to who may open it.
                let visible = me.scope.contains(&existing.jurisdiction_path);
                return Err(AppError::Conflict {
                    code: "call_already_entered",
                    message: "这通电话已经登记过了".into(),
                    details: visible.then(|| json!({ "call_id": existing.id })),
                });
            }
            (mut existing, false) => {
                fill(&mut existing);
                store::update_call(&txn, existing).await?
            }
        },
    };

    if let Some(app) = &linked {
        record_on_case(&txn, me, app, &call, category).await?;
    }
    if help_task {
        notify_community(&txn, &call, "hotline.help_request", None).await?;
    } else if let Some(app) = &linked
        && matches!(category, Category::Help | Category::Complaint)
    {
        notify_community(&txn, &call, "hotline.call_about_case", Some(app)).await?;
    }
    txn.commit().await?;
    state.notifier.wake();
    tracing::info!(call_id = %call.id, category = category.as_str(), application_id = ?call.application_id, "hotline call entered");
    Ok(Entered {
        call,
        application: created,
    })
}

/// A call row with nothing known yet but where it belongs.
pub fn blank(
    id: Uuid,
    platform_call_id: Option<String>,
    jurisdiction_path: String,
    now: chrono::DateTime<chrono::Utc>,
) -> calls::Model {
    calls::Model {
        id,
        platform_call_id,
        caller_phone_enc: None,
        caller_phone_bidx: None,
        caller_phone_masked: None,
        caller_name: None,
        category: None,
        summary: None,
        urgent: false,
        community_id: None,
        jurisdiction_path,
        application_id: None,
        application_link: None,
        operator_id: None,
        entered_at: None,
        agent: None,
        started_at: None,
        started_source: None,
        ended_at: None,
        duration_s: None,
        recording_url: None,
        task_status: None,
        task_done_at: None,
        task_done_by: None,
        task_note: None,
        created_at: now,
        updated_at: now,
    }
}
