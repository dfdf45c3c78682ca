use sea_orm::entity::prelude::*;

/// A case. ID numbers and phones are stored only encrypted (`*_enc`), with a keyed blind index
/// (`*_bidx`) for lookups and a masked copy for display. `version` increases with every change
/// and guards concurrent transitions.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub reference: String,
    pub resident_id: Option<Uuid>,
    pub channel: String,
    pub entry_point_id: Option<Uuid>,
    pub scene: Option<String>,
    pub assistance_type: String,
    pub community_id: Uuid,
    /// The community's materialised path, so staff scoping is a prefix match.
    pub jurisdiction_path: String,
    pub status: String,
    pub version: i32,
    pub urgent: bool,
    pub applicant_name: String,
    pub applicant_id_enc: String,
    pub applicant_id_bidx: String,
    pub applicant_id_masked: String,
    pub applicant_phone_enc: String,
    pub applicant_phone_bidx: String,
    pub applicant_phone_masked: String,
    /// Masked guardian details when the applicant is under 14.
    pub guardian: Option<Json>,
    pub guardian_enc: Option<String>,
    pub address: String,
    /// Household members with masked ID numbers.
    pub household: Json,
    /// The full household, encrypted.
    pub household_enc: String,
    pub monthly_income_fen: Option<i64>,
    pub description: String,
    /// `{id blind index}:{type}` while the case is open, NULL after: one open case per person
    /// and type, enforced by a unique index.
    #[sea_orm(unique)]
    pub open_key: Option<String>,
    pub resume_status: Option<String>,
    pub supplement_items: Option<Json>,
    pub assignee_id: Option<Uuid>,
    pub investigator_id: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub approved_amount_fen: Option<i64>,
    pub rejection_reason: Option<String>,
    pub emergency_amount_fen: Option<i64>,
    pub backfill_due_at: Option<DateTimeUtc>,
    pub public_notice_ends_at: Option<DateTimeUtc>,
    pub stage_started_at: Option<DateTimeUtc>,
    pub at_risk_at: Option<DateTimeUtc>,
    pub deadline_at: Option<DateTimeUtc>,
    pub supervise_at: Option<DateTimeUtc>,
    /// The whole case's limit from submission, moved later while the clock is paused.
    pub total_due_at: Option<DateTimeUtc>,
    pub paused_at: Option<DateTimeUtc>,
    pub sla_state: String,
    pub escalation_level: i32,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
