use sea_orm::entity::prelude::*;

/// One kind of social assistance with its required fields and time limits (working days unless
/// the name says hours or calendar days).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assistance_types")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub description: String,
    /// JSON array of application field names this type requires.
    pub required_fields: Json,
    pub urgent_response_hours: i32,
    pub response_working_days: i32,
    pub investigation_working_days: i32,
    pub review_working_days: i32,
    /// Calendar days of 公示; 0 = this type has none.
    pub public_notice_days: i32,
    pub total_working_days: i32,
    pub emergency_allowed: bool,
    pub emergency_backfill_working_days: i32,
    pub enabled: bool,
    pub sort_order: i32,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
