use sea_orm::entity::prelude::*;

/// A caseworker's inbox entry; its id (UUID v7, time-ordered) is also the SSE event id.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub staff_id: Uuid,
    #[sea_orm(unique)]
    pub delivery_id: Uuid,
    pub application_id: Option<Uuid>,
    pub event_type: String,
    pub title: String,
    pub body: String,
    pub data: Option<Json>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
