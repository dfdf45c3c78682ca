use sea_orm::entity::prelude::*;

use crate::care_enums::TaskStatus;

/// A help task a visit opened for the person's community (帮扶任务): open until someone there
/// records what was done.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub visit_id: Option<Uuid>,
    pub jurisdiction_path: String,
    pub note: String,
    pub status: TaskStatus,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
    pub done_by: Option<Uuid>,
    pub done_note: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
