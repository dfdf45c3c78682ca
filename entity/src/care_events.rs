use sea_orm::entity::prelude::*;

use crate::care_enums::CareAction;

/// One entry of a person's timeline: registration, tier changes (with the reason), visits,
/// alerts and follow-ups. Staff only.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub at: DateTimeUtc,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: CareAction,
    pub note: Option<String>,
    pub data: Option<Json>,
}

impl ActiveModelBehavior for ActiveModel {}
