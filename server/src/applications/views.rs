//! Building responses from stored cases: masked values only, names of types and communities
//! looked up in batches for lists.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use entity::{application_events, applications, jurisdictions};

use crate::{
    applications::{
        dto::{
            ApplicantView, ApplicationResponse, ApplicationSummary, AssistanceTypeRef,
            GuardianView, HouseholdMemberView, SlaView, TimelineEntry,
        },
        workflow::Status,
    },
    assistance,
    jurisdictions::{self as juris, JurisdictionNode},
    money::fen_to_yuan,
    staff::Role,
};

/// Names of types and communities for a batch of cases.
pub struct Lookup {
    types: HashMap<String, String>,
    nodes: HashMap<Uuid, jurisdictions::Model>,
}

impl Lookup {
    pub async fn load(
        db: &impl ConnectionTrait,
        apps: &[applications::Model],
    ) -> Result<Lookup, DbErr> {
        let types = assistance::store::list(db, true)
            .await?
            .into_iter()
            .map(|t| (t.code, t.name))
            .collect();
        let ids: Vec<Uuid> = apps.iter().map(|a| a.community_id).collect();
        let nodes = juris::store::find_many(db, ids)
            .await?
            .into_iter()
            .map(|n| (n.id, n))
            .collect();
        Ok(Lookup { types, nodes })
    }

    pub fn kind(&self, code: &str) -> AssistanceTypeRef {
        AssistanceTypeRef {
            code: code.to_string(),
            name: self
                .types
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_string()),
        }
    }

    pub fn community(&self, app: &applications::Model) -> JurisdictionNode {
        self.nodes
            .get(&app.community_id)
            .map(JurisdictionNode::from)
            .unwrap_or(JurisdictionNode {
                code: String::new(),
                name: String::new(),
                level: crate::jurisdictions::Level::Community,
            })
    }
}

pub fn status(app: &applications::Model) -> Status {
    Status::parse(&app.status).unwrap_or(Status::Draft)
}

pub fn application(app: &applications::Model, lookup: &Lookup) -> ApplicationResponse {
    let st = status(app);
    ApplicationResponse {
        id: app.id,
        reference: app.reference.clone(),
        status: st,
        status_label: st.label().into(),
        version: app.version,
        channel: app.channel.clone(),
        assistance_type: lookup.kind(&app.assistance_type),
        community: lookup.community(app),
        scene: app.scene.clone(),
        urgent: app.urgent,
        applicant: ApplicantView {
            name: app.applicant_name.clone(),
            id_number: app.applicant_id_masked.clone(),
            phone: app.applicant_phone_masked.clone(),
        },
        guardian: app
            .guardian
            .clone()
            .and_then(|g| serde_json::from_value::<GuardianView>(g).ok()),
        address: app.address.clone(),
        household: serde_json::from_value::<Vec<HouseholdMemberView>>(app.household.clone())
            .unwrap_or_default(),
        monthly_income_yuan: app.monthly_income_fen.map(fen_to_yuan),
        description: app.description.clone(),
        supplement_items: app
            .supplement_items
            .clone()
            .filter(|_| st == Status::NeedsSupplement)
            .and_then(|v| serde_json::from_value(v).ok()),
        approved_amount_yuan: app.approved_amount_fen.map(fen_to_yuan),
        emergency_amount_yuan: app.emergency_amount_fen.map(fen_to_yuan),
        rejection_reason: app.rejection_reason.clone(),
        public_notice_ends_at: app.public_notice_ends_at,
        deadline_at: app.deadline_at,
        submitted_at: app.submitted_at,
        decided_at: app.decided_at,
        created_at: app.created_at,
        updated_at: app.updated_at,
    }
}

pub fn summary(app: &applications::Model, lookup: &Lookup) -> ApplicationSummary {
    let st = status(app);
    ApplicationSummary {
        id: app.id,
        reference: app.reference.clone(),
        status: st,
        status_label: st.label().into(),
        version: app.version,
        assistance_type: lookup.kind(&app.assistance_type),
        community: lookup.community(app),
        applicant_name: app.applicant_name.clone(),
        applicant_id_number: app.applicant_id_masked.clone(),
        applicant_phone: app.applicant_phone_masked.clone(),
        urgent: app.urgent,
        channel: app.channel.clone(),
        assignee_id: app.assignee_id,
        sla_state: app.sla_state.clone(),
        escalation_level: app.escalation_level,
        deadline_at: app.deadline_at,
        working_days_left: None,
        submitted_at: app.submitted_at,
        created_at: app.created_at,
    }
}

pub fn sla(app: &applications::Model) -> SlaView {
    SlaView {
        state: app.sla_state.clone(),
        escalation_level: app.escalation_level,
        at_risk_at: app.at_risk_at,
        deadline_at: app.deadline_at,
        total_due_at: app.total_due_at,
        backfill_due_at: app.backfill_due_at,
        paused: app.paused_at.is_some(),
        working_days_left: None,
    }
}

/// Working days from now until `deadline` on `cal`: 0 on the deadline's last day, negative
/// once it has passed.
pub fn working_days_left(
    cal: &crate::calendar::domain::WorkCalendar,
    now: chrono::DateTime<chrono::Utc>,
    deadline: chrono::DateTime<chrono::Utc>,
) -> i64 {
    // Deadlines sit at local midnight after their last day.
    let last_day = deadline - chrono::Duration::seconds(1);
    if now <= last_day {
        i64::from(cal.working_days_between(now, last_day))
    } else {
        -i64::from(cal.working_days_between(last_day, now))
    }
}

/// A timeline entry as staff see it (names) or as the resident sees it (roles only).
pub fn timeline_entry(e: &application_events::Model, for_resident: bool) -> TimelineEntry {
    let actor = if for_resident {
        match (
            e.actor_kind.as_str(),
            e.actor_role.as_deref().and_then(Role::parse),
        ) {
            ("resident", _) => "申请人".to_string(),
            ("staff", Some(role)) => role.public_title().to_string(),
            ("staff", None) => "工作人员".to_string(),
            ("follow_up", _) => "回访".to_string(),
            _ => "系统".to_string(),
        }
    } else {
        e.actor_label.clone()
    };
    TimelineEntry {
        at: e.at,
        actor,
        action: e.action.clone(),
        from_status: e.from_status.clone(),
        to_status: e.to_status.clone(),
        note: if for_resident && !e.note_public {
            None
        } else {
            e.note.clone()
        },
        data: if for_resident {
            resident_data(&e.action, e.data.as_ref())
        } else {
            e.data.clone()
        },
    }
}

/// What of an event's details a resident is shown: what they must supply or were given, and the
/// dates that concern them. Staff names and ids, community moves, escalation levels and internal
/// reasons (a reopening's) stay inside; only a refusal's reason is the resident's to read.
fn resident_data(action: &str, data: Option<&serde_json::Value>) -> Option<serde_json::Value> {
    const SHOWN: &[&str] = &[
        "items",
        "requested",
        "supplied",
        "amount_yuan",
        "ends_at",
        "days",
        "backfill_due_at",
        "channel",
    ];
    let object = data?.as_object()?;
    let kept: serde_json::Map<String, serde_json::Value> = object
        .iter()
        .filter(|(k, _)| {
            SHOWN.contains(&k.as_str()) || (action == "reject" && k.as_str() == "reason")
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!kept.is_empty()).then_some(serde_json::Value::Object(kept))
}
