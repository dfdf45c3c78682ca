use sea_orm::entity::prelude::*;

/// A notification to send, written in the same transaction as the change it describes.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub aggregate_type: String,
    pub aggregate_id: Uuid,
    /// The aggregate's version after the change, so consumers never send an older status
    /// after a newer one.
    pub aggregate_version: i32,
    pub event_type: String,
    pub payload: Json,
    pub created_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
