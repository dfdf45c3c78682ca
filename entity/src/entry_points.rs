use sea_orm::entity::prelude::*;

/// A QR entry point: a poster (or other channel) bound to a community. `scene` is what the
/// 小程序码 and the URL QR code carry.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entry_points")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub scene: String,
    pub jurisdiction_id: Uuid,
    /// The community's materialised path, for subtree scoping.
    pub jurisdiction_path: String,
    pub label: String,
    pub channel: String,
    pub enabled: bool,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
