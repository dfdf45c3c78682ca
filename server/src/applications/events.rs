//! Timeline entries and the outbox rows that go with them: both are written by the caller's
//! transaction together with the case change.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use serde_json::{Value, json};
use uuid::Uuid;

use entity::{application_events, applications};

use crate::{
    db,
    notify::{self, OutboxEvent},
};

/// Who a notification is for; the notification pipeline resolves these to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The applicant (via WeChat).
    Resident,
    /// The case's assignee, or the community's caseworkers when unassigned.
    Caseworkers,
    /// Approvers and supervisors of the case's street (催办).
    Street,
    /// Supervisors of the case's district (督办).
    District,
}

impl Audience {
    fn as_str(self) -> &'static str {
        match self {
            Audience::Resident => "resident",
            Audience::Caseworkers => "caseworkers",
            Audience::Street => "street",
            Audience::District => "district",
        }
    }
}

pub struct NewEvent<'a> {
    pub application_id: Uuid,
    pub actor_kind: &'static str,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub actor_role: Option<&'static str>,
    pub action: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: Option<&'a str>,
    pub note: Option<String>,
    pub note_public: bool,
    pub public: bool,
    pub data: Option<Value>,
}

const ACTOR_LABEL_MAX: usize = 96;

pub async fn record(
    db: &impl ConnectionTrait,
    e: NewEvent<'_>,
) -> Result<application_events::Model, DbErr> {
    application_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(e.application_id),
        at: Set(db::now()),
        actor_kind: Set(e.actor_kind.into()),
        actor_id: Set(e.actor_id),
        // The column holds 96 characters; a long name and a long community name must not
        // make the action fail (PostgreSQL enforces the length, SQLite does not).
        actor_label: Set(e.actor_label.chars().take(ACTOR_LABEL_MAX).collect()),
        actor_role: Set(e.actor_role.map(Into::into)),
        action: Set(e.action.into()),
        from_status: Set(e.from_status.map(Into::into)),
        to_status: Set(e.to_status.map(Into::into)),
        note: Set(e.note),
        note_public: Set(e.note_public),
        public: Set(e.public),
        data: Set(e.data),
    }
    .insert(db)
    .await
}

/// Queues the notification for a case event. The payload names the case and the audiences;
/// it carries masked data only.
pub async fn notify(
    db: &impl ConnectionTrait,
    app: &applications::Model,
    event: &str,
    audiences: &[Audience],
    extra: Value,
) -> Result<Uuid, DbErr> {
    let mut payload = json!({
        "application_id": app.id,
        "reference": app.reference,
        "assistance_type": app.assistance_type,
        "status": app.status,
        "community_id": app.community_id,
        "jurisdiction_path": app.jurisdiction_path,
        "resident_id": app.resident_id,
        "assignee_id": app.assignee_id,
        "urgent": app.urgent,
        "audiences": audiences.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
    });
    if let (Some(obj), Value::Object(extra)) = (payload.as_object_mut(), extra) {
        obj.extend(extra);
    }
    notify::enqueue(
        db,
        OutboxEvent {
            aggregate_type: "application",
            aggregate_id: app.id,
            aggregate_version: app.version,
            event_type: format!("application.{event}"),
            payload,
        },
    )
    .await
}
