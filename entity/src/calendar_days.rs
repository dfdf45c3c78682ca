use sea_orm::entity::prelude::*;

/// A day that differs from the weekday rule: a public holiday, or a weekend make-up workday (调休).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    /// `holiday` or `workday`.
    pub kind: String,
    pub name: String,
}

impl ActiveModelBehavior for ActiveModel {}
