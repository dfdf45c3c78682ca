//! Request and response shapes of the hotline API. Caller numbers and names are masked in
//! every response; the number of a case to call back is served by the logged `/contact`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    applications::{
        dto::{ApplicationInput, ApplicationResponse, ApplicationSummary, AssistanceTypeRef},
        workflow::Status,
    },
    hotline::domain::Category,
    jurisdictions::JurisdictionNode,
};

/// An operator's record of a call, optionally applying on the caller's behalf.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallInput {
    /// The caller's mobile, or a landline with its area code.
    pub caller_phone: String,
    pub caller_name: Option<String>,
    /// When the call began; the platform's time wins when it reports the call.
    pub started_at: Option<DateTime<Utc>>,
    /// The telephony platform's call id: joins this entry with the platform's events.
    pub platform_call_id: Option<String>,
    #[schema(value_type = Category)]
    pub category: String,
    /// What the caller said, in the operator's words.
    pub summary: String,
    /// The caller's community (社区/村); required for a help request without an application.
    pub community_code: Option<String>,
    #[serde(default)]
    pub urgent: bool,
    /// Apply on the caller's behalf: the same fields as online intake (no drafts). The
    /// applicant may be someone other than the caller.
    pub application: Option<ApplicationInput>,
    /// Record the call against an existing case instead.
    pub link_application_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CallApplicationRef {
    pub id: Uuid,
    pub reference: String,
    pub status: Status,
    pub status_label: String,
    /// `created` (this call opened the case) or `linked` (the call is about it).
    pub link: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OperatorRef {
    pub id: Uuid,
    pub name: String,
}

/// One call as staff see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CallView {
    pub id: Uuid,
    pub platform_call_id: Option<String>,
    /// Masked: `138****5678`; `null` when the platform reported a withheld number.
    pub caller_phone: Option<String>,
    /// Masked: `张*`.
    pub caller_name: Option<String>,
    /// `null` until an operator has entered the call.
    pub category: Option<Category>,
    pub category_label: Option<String>,
    pub summary: Option<String>,
    pub urgent: bool,
    pub community: Option<JurisdictionNode>,
    pub application: Option<CallApplicationRef>,
    pub operator: Option<OperatorRef>,
    pub entered_at: Option<DateTime<Utc>>,
    /// The platform's agent (seat).
    pub agent: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_s: Option<i32>,
    /// `in_progress` or `ended` as the platform reported; `unknown` for calls it never reported.
    pub state: String,
    /// Where the platform keeps the recording; this service never fetches it.
    pub recording_url: Option<String>,
    /// For a help request without a case: the community's task.
    pub task: Option<TaskState>,
    pub created_at: DateTime<Utc>,
}

/// A help request's task: `open` until someone in the community records what was done.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskState {
    /// `open` or `done`.
    pub status: String,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<Uuid>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// `open` (the default; oldest first) or `done` (newest first).
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskPage {
    pub items: Vec<CallView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskDoneInput {
    /// What was done (a visit, a referral, help given): 2–1000 characters.
    pub note: String,
}

/// The answer to a call entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CallEntryResponse {
    pub call: CallView,
    /// The case the call opened, when it applied on the caller's behalf.
    pub application: Option<ApplicationResponse>,
}

/// A case in a caller's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CallerCase {
    #[serde(flatten)]
    pub application: ApplicationSummary,
    /// How many of this number's calls are about the case.
    pub calls_about_it: u32,
    /// The number is the applicant's own.
    pub caller_is_applicant: bool,
}

/// Everything the hotline knows about a number, inside the caller's jurisdiction.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CallerHistory {
    /// Masked.
    pub phone: String,
    /// Newest first.
    pub calls: Vec<CallView>,
    /// Newest first.
    pub applications: Vec<CallerCase>,
}

/// A telephony-platform event. Unknown fields are ignored: a signed event must not be refused
/// because the platform added something.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CallbackEvent {
    /// Unique per event; a repeat has no second effect.
    pub event_id: String,
    /// `call.started`, `call.ended` or `call.recording_ready`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The platform's call id.
    pub call_id: String,
    /// The calling number; empty or absent when withheld.
    pub caller: Option<String>,
    /// The answering agent (seat).
    pub agent: Option<String>,
    /// When it happened: RFC 3339 or unix seconds.
    #[schema(value_type = String, format = DateTime)]
    pub at: serde_json::Value,
    pub duration_s: Option<i64>,
    pub recording_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CallbackAck {
    /// `processed`, or `duplicate` for an event already processed.
    pub status: String,
    /// The call the event belongs to.
    pub call_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowUpCase {
    pub id: Uuid,
    pub reference: String,
    pub status: Status,
    pub status_label: String,
    pub assistance_type: AssistanceTypeRef,
    pub community: JurisdictionNode,
    pub applicant_name: String,
    /// Masked.
    pub applicant_phone: String,
    pub channel: String,
}

/// A 回访 task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowUpView {
    pub id: Uuid,
    pub application: FollowUpCase,
    /// The ended state that called for it.
    pub trigger_status: Status,
    /// `due`, `overdue`, `done` or `cancelled` (the case was reopened first).
    pub status: String,
    /// `reached` or `unreachable` once done.
    pub outcome: Option<String>,
    /// End of the working day by which the next attempt is due.
    pub due_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub satisfaction: Option<i32>,
    pub note: Option<String>,
    /// The result reopened the case.
    pub reopened: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowUpPage {
    pub items: Vec<FollowUpView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpQuery {
    /// `due` (open, not yet late), `overdue` (open, past due) or `done`; all when absent.
    pub status: Option<String>,
    pub cursor: Option<String>,
    /// 1–100, default 50.
    pub limit: Option<u64>,
}

/// The result of one 回访 attempt.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpResultInput {
    /// Whether the resident was reached.
    pub reached: bool,
    /// 1 (very dissatisfied) – 5 (very satisfied); required when reached. ≤ 2 reopens the case.
    pub satisfaction: Option<i64>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowUpResultResponse {
    pub follow_up: FollowUpView,
    /// The case's state after the result.
    pub application_status: Status,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Why the number is needed; recorded in the access log.
    pub reason: Option<String>,
}

/// The number to call for a 回访; every read is logged.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowUpContact {
    pub follow_up_id: Uuid,
    pub application_id: Uuid,
    pub applicant_name: String,
    pub phone: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SatisfactionQuery {
    /// First day (China time, `YYYY-MM-DD`), default 30 days before `to`.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
}

/// Follow-ups completed in a period.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionFigures {
    pub completed: u64,
    pub reached: u64,
    pub unreachable: u64,
    /// Mean satisfaction of the reached, 1–5.
    pub average: Option<f64>,
    /// 4 or 5.
    pub satisfied: u64,
    pub neutral: u64,
    /// 1 or 2: these reopened their cases.
    pub dissatisfied: u64,
    /// `satisfied / reached`.
    pub satisfaction_rate: Option<f64>,
    /// Counts of 1, 2, 3, 4 and 5.
    pub distribution: [u64; 5],
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StreetSatisfaction {
    pub street: JurisdictionNode,
    #[serde(flatten)]
    pub figures: SatisfactionFigures,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// By street (街道/乡镇), in code order.
    pub streets: Vec<StreetSatisfaction>,
    pub total: SatisfactionFigures,
}
