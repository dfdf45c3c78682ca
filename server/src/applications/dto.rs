//! Request and response shapes of the application API. Responses carry masked ID numbers and
//! phones only; the full values are served by the logged `/pii` endpoint.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    applications::workflow::{Action, Status},
    jurisdictions::JurisdictionNode,
};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    pub name: String,
    /// 18-character resident ID (GB 11643).
    pub id_number: String,
    /// Mainland mobile number.
    pub phone: String,
}

/// Required when the applicant is under 14: the guardian applies on their behalf.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianInput {
    pub name: String,
    pub id_number: String,
    pub relation: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseholdMemberInput {
    pub name: String,
    pub relation: String,
    pub id_number: Option<String>,
    pub age: Option<u32>,
}

/// The fields of an application, shared by online intake and the hotline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    /// A code from `GET /api/v1/assistance-types`.
    pub assistance_type: String,
    /// The scene of the QR code the resident scanned; routes the case to its community.
    pub scene: Option<String>,
    /// The community (社区/村) code, when there is no scene.
    pub community_code: Option<String>,
    pub applicant: ApplicantInput,
    pub guardian: Option<GuardianInput>,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub household: Vec<HouseholdMemberInput>,
    /// Household income per month in yuan, up to two decimals.
    pub monthly_income_yuan: Option<f64>,
    #[serde(default)]
    pub description: String,
    /// Urgent cases are answered within hours and may get 先行救助.
    #[serde(default)]
    pub urgent: bool,
    /// Save without submitting (online only); drafts may be incomplete and are edited with PUT.
    #[serde(default)]
    pub draft: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct AssistanceTypeRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicantView {
    pub name: String,
    /// Masked: `110105********002X`.
    pub id_number: String,
    /// Masked: `138****5678`.
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GuardianView {
    pub name: String,
    pub relation: String,
    /// Masked.
    pub id_number: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HouseholdMemberView {
    pub name: String,
    pub relation: String,
    /// Masked, when given.
    pub id_number: Option<String>,
    pub age: Option<u32>,
}

/// An application as its applicant sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationResponse {
    pub id: Uuid,
    /// Short number to quote on the phone.
    pub reference: String,
    pub status: Status,
    pub status_label: String,
    pub version: i32,
    pub channel: String,
    pub assistance_type: AssistanceTypeRef,
    pub community: JurisdictionNode,
    pub scene: Option<String>,
    pub urgent: bool,
    pub applicant: ApplicantView,
    pub guardian: Option<GuardianView>,
    pub address: String,
    pub household: Vec<HouseholdMemberView>,
    pub monthly_income_yuan: Option<f64>,
    pub description: String,
    /// What is missing, all at once (一次性告知), while the case waits for the resident.
    pub supplement_items: Option<Vec<String>>,
    pub approved_amount_yuan: Option<f64>,
    pub emergency_amount_yuan: Option<f64>,
    pub rejection_reason: Option<String>,
    pub public_notice_ends_at: Option<DateTime<Utc>>,
    /// When the current step is due.
    pub deadline_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffRef {
    pub id: Uuid,
    pub name: String,
}

/// Deadline state for staff.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SlaView {
    /// `none`, `on_track`, `at_risk` or `breached`.
    pub state: String,
    /// 0 none, 1 reminded, 2 催办 (street), 3 督办 (district).
    pub escalation_level: i32,
    pub at_risk_at: Option<DateTime<Utc>>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub total_due_at: Option<DateTime<Utc>>,
    pub backfill_due_at: Option<DateTime<Utc>>,
    /// The clock stands still while the case waits for the resident.
    pub paused: bool,
    /// Working days until `deadline_at` (0 on its last day, negative once past it).
    pub working_days_left: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimelineResponse {
    pub items: Vec<TimelineEntry>,
}

/// A case as staff see it: the resident view plus assignment, deadlines and the full timeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffApplicationResponse {
    #[serde(flatten)]
    pub application: ApplicationResponse,
    pub street: Option<JurisdictionNode>,
    pub assignee: Option<StaffRef>,
    pub investigator_id: Option<Uuid>,
    pub sla: SlaView,
    pub timeline: Vec<TimelineEntry>,
    /// What the caller may do to the case now (state machine, role, posting, separation of
    /// duties); clients offer these actions and no others.
    pub allowed_actions: Vec<Action>,
    /// The 先行救助 amount the case's street may grant, in yuan, when `emergency_approve` is
    /// allowed.
    pub emergency_cap_yuan: Option<f64>,
}

/// One row of a staff work list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationSummary {
    pub id: Uuid,
    pub reference: String,
    pub status: Status,
    pub status_label: String,
    pub version: i32,
    pub assistance_type: AssistanceTypeRef,
    pub community: JurisdictionNode,
    pub applicant_name: String,
    pub applicant_id_number: String,
    pub applicant_phone: String,
    pub urgent: bool,
    pub channel: String,
    pub assignee_id: Option<Uuid>,
    pub sla_state: String,
    pub escalation_level: i32,
    pub deadline_at: Option<DateTime<Utc>>,
    /// Working days until `deadline_at` (0 on its last day, negative once past it); filled in
    /// staff work lists.
    pub working_days_left: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationPage {
    pub items: Vec<ApplicationResponse>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationSummaryPage {
    pub items: Vec<ApplicationSummary>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResidentListQuery {
    pub cursor: Option<String>,
    /// 1–50, default 20.
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffListQuery {
    /// One status or several, comma-separated.
    pub status: Option<String>,
    /// An assistance type code.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub assistance_type: Option<String>,
    /// `on_track`, `at_risk` or `breached`.
    pub sla: Option<String>,
    /// A staff id, `me` or `none`.
    pub assignee: Option<String>,
    /// Reference, part of the applicant's name, a full ID number or a mobile number.
    pub q: Option<String>,
    /// Only this node's subtree (inside the caller's own).
    pub jurisdiction_code: Option<String>,
    /// `newest` (default) or `deadline` (soonest first; open cases only).
    pub sort: Option<String>,
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<u64>,
}

/// A staff action on a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub action: Action,
    /// The `version` the caller last saw; a stale one is a 409.
    pub expected_version: i32,
    pub note: Option<String>,
    /// Show the note to the resident on their timeline (default: staff only).
    #[serde(default)]
    pub note_public: bool,
    /// `approve`, `emergency_approve`: the amount in yuan.
    pub amount_yuan: Option<f64>,
    /// `reject`: the written reason the resident receives.
    pub reason: Option<String>,
    /// `request_supplement`: every missing item, at once.
    pub items: Option<Vec<String>>,
    /// `assign`: the caseworker (omit to claim the case yourself).
    pub assignee_id: Option<Uuid>,
    /// `transfer`: the community to move the case to.
    pub community_code: Option<String>,
}

/// A resident's withdrawal.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    pub reason: Option<String>,
    pub expected_version: Option<i32>,
}

/// What the resident adds when asked for more (一次性告知).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementRequest {
    /// What was supplied, in the resident's words.
    pub note: String,
    /// Corrected or completed fields, when the request asked for them.
    pub address: Option<String>,
    pub household: Option<Vec<HouseholdMemberInput>>,
    pub monthly_income_yuan: Option<f64>,
    pub description: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PiiQuery {
    /// Why the full data is needed; recorded in the access log.
    pub reason: String,
}

/// Unmasked personal data of a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PiiResponse {
    pub application_id: Uuid,
    pub applicant: ApplicantInput,
    pub guardian: Option<GuardianInput>,
    pub household: Vec<HouseholdMemberInput>,
}
