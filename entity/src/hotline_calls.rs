use sea_orm::entity::prelude::*;

/// One hotline call: the operator's entry and the telephony platform's events joined on
/// `platform_call_id`, whichever arrives first. The caller's number is stored only encrypted,
/// with a blind index (field `phone`, shared with applications) and a masked copy.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hotline_calls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub platform_call_id: Option<String>,
    pub caller_phone_enc: Option<String>,
    pub caller_phone_bidx: Option<String>,
    pub caller_phone_masked: Option<String>,
    pub caller_name: Option<String>,
    /// `inquiry`, `help`, `complaint` or `follow_up`; NULL until an operator enters the call.
    pub category: Option<String>,
    pub summary: Option<String>,
    pub urgent: bool,
    pub community_id: Option<Uuid>,
    /// Where the call belongs for scoping: its community, else the entering operator's node,
    /// else the root of the tree (platform events nobody has entered yet).
    pub jurisdiction_path: String,
    pub application_id: Option<Uuid>,
    /// `created` (the call opened the case) or `linked` (the call is about an existing case).
    pub application_link: Option<String>,
    pub operator_id: Option<Uuid>,
    pub entered_at: Option<DateTimeUtc>,
    /// The platform's agent (seat) id.
    pub agent: Option<String>,
    pub started_at: Option<DateTimeUtc>,
    /// `platform`, `operator` or `derived` (end minus duration): a platform start wins.
    pub started_source: Option<String>,
    pub ended_at: Option<DateTimeUtc>,
    pub duration_s: Option<i32>,
    /// Stored as given by the platform; never fetched by the service.
    pub recording_url: Option<String>,
    /// A help request without a case is a task for its community: `open`, then `done`;
    /// NULL for every other call.
    pub task_status: Option<String>,
    pub task_done_at: Option<DateTimeUtc>,
    pub task_done_by: Option<Uuid>,
    /// What was done, in the caseworker's words.
    pub task_note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
