//! Writing and reading outbox rows.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use entity::outbox;

use crate::{db, outbox::Notice};

#[derive(Debug, Clone)]
pub struct OutboxEvent {
    pub aggregate_type: &'static str,
    pub aggregate_id: Uuid,
    /// The aggregate's version after the change (orders a case's notifications).
    pub aggregate_version: i32,
    /// E.g. `application.accepted`, `application.urged`.
    pub event_type: String,
    pub notice: Notice,
}

/// Writes the row in the caller's transaction, with the change it describes.
pub async fn enqueue(db: &impl ConnectionTrait, event: OutboxEvent) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    outbox::ActiveModel {
        id: Set(id),
        aggregate_type: Set(event.aggregate_type.into()),
        aggregate_id: Set(event.aggregate_id),
        aggregate_version: Set(event.aggregate_version),
        event_type: Set(event.event_type),
        payload: Set(event.notice.to_json()),
        created_at: Set(db::now()),
        published_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::find_by_id(id).one(db).await
}

/// How many outbox rows are not published yet, for the metrics.
pub async fn backlog(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    outbox::Entity::find()
        .filter(outbox::Column::PublishedAt.is_null())
        .count(db)
        .await
}
