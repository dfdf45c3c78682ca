use sea_orm::entity::prelude::*;

/// The cached 小程序码 of an entry point, for the page and build it was made for.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entry_point_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub entry_point_id: Uuid,
    pub page: String,
    pub env_version: String,
    pub content_type: String,
    pub image: Vec<u8>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
