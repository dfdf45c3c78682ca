use sea_orm::entity::prelude::*;

use crate::care_enums::{FollowUp, VisitMethod};

/// One visit (走访探视): who went, how, what they found and what follows. `counts` says whether
/// it moved the schedule (a phone call does not where a home visit is required).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub jurisdiction_path: String,
    pub visited_at: DateTimeUtc,
    pub method: VisitMethod,
    pub visitor_id: Uuid,
    pub companion_id: Option<Uuid>,
    pub counts: bool,
    /// JSON array of `{item, level, note}`.
    pub findings: Json,
    pub note: String,
    pub follow_up: FollowUp,
    pub application_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub next_due_on: Date,
    pub recorded_by: Uuid,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
