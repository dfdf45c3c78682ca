//! Timeline entries: who did what to a case, written by the caller's transaction together with
//! the change. Staff read every entry; residents only the public ones, with roles for names.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use serde_json::Value;
use uuid::Uuid;

use entity::{application_events, applications};

use crate::{
    auth::{Resident, Staff},
    db,
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

    /// The service itself (deadlines, checks, scheduling).
    pub fn system() -> Self {
        EventActor {
            kind: "system",
            id: None,
            label: "系统".into(),
            role: None,
        }
    }
}

/// A timeline entry to write; built with `NewEvent::new` and the setters below.
pub struct NewEvent<'a> {
    application_id: Uuid,
    actor: EventActor,
    action: &'a str,
    from_status: Option<&'a str>,
    to_status: Option<&'a str>,
    note: Option<String>,
    note_public: bool,
    public: bool,
    data: Option<Value>,
}

const ACTOR_LABEL_MAX: usize = 96;

impl<'a> NewEvent<'a> {
    /// A public entry of `actor` doing `action` on the case, with no status change.
    pub fn new(application_id: Uuid, actor: EventActor, action: &'a str) -> Self {
        NewEvent {
            application_id,
            actor,
            action,
            from_status: None,
            to_status: None,
            note: None,
            note_public: false,
            public: true,
            data: None,
        }
    }

    /// A staff-only entry about `app` that leaves its status as it is.
    pub fn internal(app: &'a applications::Model, actor: EventActor, action: &'a str) -> Self {
        NewEvent::new(app.id, actor, action)
            .statuses(Some(&app.status), Some(&app.status))
            .staff_only()
    }

    pub fn statuses(mut self, from: Option<&'a str>, to: Option<&'a str>) -> Self {
        self.from_status = from;
        self.to_status = to;
        self
    }

    /// A note; residents read it only when `public`.
    pub fn note(mut self, note: Option<String>, public: bool) -> Self {
        self.note = note;
        self.note_public = public;
        self
    }

    pub fn data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// Hidden from the resident's timeline.
    pub fn staff_only(mut self) -> Self {
        self.public = false;
        self
    }

    pub fn visible_to_resident(mut self, public: bool) -> Self {
        self.public = public;
        self
    }

    pub async fn record(
        self,
        db: &impl ConnectionTrait,
    ) -> Result<application_events::Model, DbErr> {
        application_events::ActiveModel {
            id: Set(Uuid::now_v7()),
            application_id: Set(self.application_id),
            at: Set(db::now()),
            actor_kind: Set(self.actor.kind.into()),
            actor_id: Set(self.actor.id),
            // The column holds 96 characters; a long name and a long community name must not
            // make the action fail (PostgreSQL enforces the length, SQLite does not).
            actor_label: Set(self.actor.label.chars().take(ACTOR_LABEL_MAX).collect()),
            actor_role: Set(self.actor.role.map(Into::into)),
            action: Set(self.action.into()),
            from_status: Set(self.from_status.map(Into::into)),
            to_status: Set(self.to_status.map(Into::into)),
            note: Set(self.note),
            note_public: Set(self.note_public),
            public: Set(self.public),
            data: Set(self.data),
        }
        .insert(db)
        .await
    }
}
