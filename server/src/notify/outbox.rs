//! Writing outbox rows. The row commits with the change it describes, so a notification can be
//! delayed by a crash but never lost.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use uuid::Uuid;

use entity::outbox;

use crate::db;

#[derive(Debug, Clone)]
pub struct OutboxEvent {
    pub aggregate_type: &'static str,
    pub aggregate_id: Uuid,
    /// The aggregate's version after the change (orders a case's notifications).
    pub aggregate_version: i32,
    /// E.g. `application.accepted`, `application.urged`.
    pub event_type: String,
    /// What the consumers need to address and word the message; never personal data in the clear.
    pub payload: serde_json::Value,
}

pub async fn enqueue(db: &impl ConnectionTrait, event: OutboxEvent) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    outbox::ActiveModel {
        id: Set(id),
        aggregate_type: Set(event.aggregate_type.into()),
        aggregate_id: Set(event.aggregate_id),
        aggregate_version: Set(event.aggregate_version),
        event_type: Set(event.event_type),
        payload: Set(event.payload),
        created_at: Set(db::now()),
        published_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}
