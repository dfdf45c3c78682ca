use sea_orm::entity::prelude::*;

/// A person's place in one key group, with their tier there.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_code: String,
    pub tier: i32,
    pub since: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
