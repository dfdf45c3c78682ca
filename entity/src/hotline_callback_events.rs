use sea_orm::entity::prelude::*;

/// A telephony-platform event that took effect. Inserted in the same transaction as its effect,
/// so a replayed or concurrently repeated event finds its id taken and changes nothing.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hotline_callback_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub event_type: String,
    pub platform_call_id: String,
    /// The `hotline_calls` row it changed.
    pub call_id: Uuid,
    pub event_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
