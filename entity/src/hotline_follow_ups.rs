use sea_orm::entity::prelude::*;

/// A 回访 (follow-up call) after a case ended. One per case and episode; an episode ends when
/// the case is reopened, which cancels a follow-up still open.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hotline_follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    /// How many times the case had been reopened when this follow-up was created.
    pub episode: i32,
    pub community_id: Uuid,
    /// The case's community path, for scoping.
    pub jurisdiction_path: String,
    /// The street (parent of the community), for satisfaction figures.
    pub street_path: String,
    /// The ended state that created it: `approved`, `rejected`, `withdrawn` or `closed`.
    pub trigger_status: String,
    /// `open`, `done` or `cancelled`.
    pub status: String,
    /// End of the working day by which the next attempt is due.
    pub due_at: DateTimeUtc,
    pub attempts: i32,
    /// Every attempt: `[{at, by, reached, satisfaction, note}]`.
    pub attempt_log: Json,
    /// `reached` or `unreachable` once done.
    pub outcome: Option<String>,
    /// 1–5 when reached.
    pub satisfaction: Option<i32>,
    pub note: Option<String>,
    /// A dissatisfied result reopened the case.
    pub reopened: bool,
    pub completed_at: Option<DateTimeUtc>,
    pub completed_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
