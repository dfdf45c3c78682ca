//! Writes audit rows; callers pass their transaction so the row commits with the change.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use uuid::Uuid;

use entity::audit_log;

#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Staff(Uuid),
    Resident(Uuid),
    Anonymous,
    System,
}

impl Actor {
    fn parts(self) -> (&'static str, Option<Uuid>) {
        match self {
            Actor::Staff(id) => ("staff", Some(id)),
            Actor::Resident(id) => ("resident", Some(id)),
            Actor::Anonymous => ("anonymous", None),
            Actor::System => ("system", None),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub actor: Actor,
    pub action: &'static str,
    pub target_kind: Option<&'static str>,
    pub target_id: Option<String>,
    /// Never personal data in the clear.
    pub detail: Option<serde_json::Value>,
    pub ip: Option<String>,
}

impl Entry {
    pub fn new(actor: Actor, action: &'static str) -> Self {
        Entry {
            actor,
            action,
            target_kind: None,
            target_id: None,
            detail: None,
            ip: None,
        }
    }

    pub fn target(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.target_kind = Some(kind);
        self.target_id = Some(id.to_string());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }

    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }
}

pub async fn record(db: &impl ConnectionTrait, entry: Entry) -> Result<(), DbErr> {
    let (actor_kind, actor_id) = entry.actor.parts();
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(crate::db::now()),
        actor_kind: Set(actor_kind.into()),
        actor_id: Set(actor_id),
        action: Set(entry.action.into()),
        target_kind: Set(entry.target_kind.map(Into::into)),
        target_id: Set(entry.target_id),
        detail: Set(entry.detail),
        ip: Set(entry.ip),
    }
    .insert(db)
    .await?;
    Ok(())
}
