use sea_orm::entity::prelude::*;

/// Per-street settings; today the 先行救助 amount a street may grant on its own.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "street_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub jurisdiction_id: Uuid,
    pub emergency_cap_fen: i64,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
