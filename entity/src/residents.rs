use sea_orm::entity::prelude::*;

/// A mini-program user. The phone is only ever stored encrypted (`phone_enc`), with a blind
/// index for lookups and a masked copy for display.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "residents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub openid: String,
    pub unionid: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_bidx: Option<String>,
    pub phone_masked: Option<String>,
    pub last_login_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
