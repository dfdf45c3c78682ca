use sea_orm::entity::prelude::*;

/// One-time subscribe-message consents a resident gave for a template: each `accept` is one
/// send; a send spends one.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscription_credits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub resident_id: Uuid,
    pub template_id: String,
    pub credits: i32,
    /// The resident turned this template off (`ban`, or unsubscribed from the card).
    pub banned: bool,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
