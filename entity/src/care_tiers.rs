use sea_orm::entity::prelude::*;

/// One tier of a key group (1 = 一级, highest risk): how often its people are visited, in
/// calendar days, and whether the visit must be in person.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_tiers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tier: i32,
    pub name: String,
    pub interval_days: i32,
    pub home_visit_required: bool,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
