use sea_orm::entity::prelude::*;

/// A key group of grid care (孤寡老人, 留守儿童 …) with its visit checklist. A group tied to an
/// assistance type (`roll_type`) is that type's roll: its people are already receiving it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub description: String,
    pub roll_type: Option<String>,
    /// JSON array of checklist item codes a visit answers.
    pub checklist: Json,
    pub enabled: bool,
    pub sort_order: i32,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
