//! Request and response shapes of the grid-care API. ID numbers and phones appear masked only;
//! the full values come from the logged `/pii` endpoint.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use entity::care_enums::{CareAction, FollowUp, PersonStatus, TaskStatus, VisitMethod};

use crate::{
    applications::dto::{GuardianInput, HouseholdMemberInput, StaffRef},
    care::domain::{ChecklistItem, ContactKind, FindingLevel, VisitState},
    jurisdictions::JurisdictionNode,
};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipInput {
    /// A group code (or its name) from `GET /api/v1/care/groups`.
    pub group: String,
    /// 1 (一级, highest risk) to 3.
    pub tier: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub kind: ContactKind,
    pub name: String,
    /// E.g. 女儿, 邻居, 村委会.
    pub relation: String,
    pub phone: String,
}

/// A person to register. The community (and grid) must be inside the caller's subtree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePersonRequest {
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub community_code: String,
    pub grid_code: Option<String>,
    #[serde(default)]
    pub address: String,
    pub groups: Vec<MembershipInput>,
    /// A caseworker or grid worker posted at the person's community or grid.
    pub worker_id: Option<Uuid>,
    #[serde(default)]
    pub contacts: Vec<ContactInput>,
    #[serde(default)]
    pub note: String,
    /// The last visit before registration, if any: the schedule starts from it.
    pub last_visit_date: Option<NaiveDate>,
}

/// Changes to a person's details; absent fields stay as they are.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePersonRequest {
    pub expected_version: i32,
    /// An empty string removes the phone.
    pub phone: Option<String>,
    pub address: Option<String>,
    /// An empty string takes the person out of their grid (back to the community).
    pub grid_code: Option<String>,
    pub contacts: Option<Vec<ContactInput>>,
    pub note: Option<String>,
}

/// New groups and tiers; the reason is recorded on the person's timeline.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeGroupsRequest {
    pub expected_version: i32,
    pub groups: Vec<MembershipInput>,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignWorkerRequest {
    pub expected_version: i32,
    /// `null` leaves the person unassigned (the community's caseworkers are told instead).
    pub worker_id: Option<Uuid>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeStatusRequest {
    pub expected_version: i32,
    pub status: PersonStatus,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MembershipView {
    pub group: String,
    pub group_name: String,
    pub tier: i32,
    pub tier_name: String,
    pub interval_days: i32,
    pub home_visit_required: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContactView {
    pub kind: ContactKind,
    pub name: String,
    pub relation: String,
    /// Masked.
    pub phone: String,
}

/// Where a person's visits stand.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScheduleView {
    /// The day the next visit is due.
    pub due_on: NaiveDate,
    pub state: VisitState,
    /// Alerts sent for this due day: 0 none … 3 overdue, 4 street told, 5 district told.
    pub alert_level: i32,
    /// The shortest interval of the person's tiers, in calendar days.
    pub interval_days: i32,
    pub home_visit_required: bool,
    pub last_visited_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonSummary {
    pub id: Uuid,
    pub name: String,
    /// Masked: `110105********002X`.
    pub id_number: String,
    /// Masked.
    pub phone: Option<String>,
    pub age: i32,
    pub community: Option<JurisdictionNode>,
    pub grid: Option<JurisdictionNode>,
    pub groups: Vec<MembershipView>,
    pub worker: Option<StaffRef>,
    pub status: PersonStatus,
    pub schedule: ScheduleView,
    pub version: i32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonPage {
    pub items: Vec<PersonSummary>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: CareAction,
    pub note: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
}

/// A case of the person's (same ID number) inside the caller's subtree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseRef {
    pub id: Uuid,
    pub reference: String,
    pub assistance_type: String,
    pub status: String,
    pub channel: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonDetail {
    #[serde(flatten)]
    pub person: PersonSummary,
    pub address: String,
    pub contacts: Vec<ContactView>,
    pub note: String,
    pub enrolled_on: NaiveDate,
    /// The checklist a visit answers (the union of the person's groups' lists).
    pub checklist: Vec<ChecklistItem>,
    pub recent_visits: Vec<VisitView>,
    pub open_tasks: Vec<TaskView>,
    pub cases: Vec<CaseRef>,
    /// Newest first.
    pub timeline: Vec<EventView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// A group code.
    pub group: Option<String>,
    /// 1–3.
    pub tier: Option<i32>,
    /// Comma-separated: `on_track`, `due_soon`, `due`, `overdue`.
    pub visit: Option<String>,
    /// `me`, `none` or a staff id.
    pub worker: Option<String>,
    /// A full ID number, a mobile number or part of a name.
    pub q: Option<String>,
    /// Only people at or below this node.
    pub jurisdiction_code: Option<String>,
    /// `active` (default) or `archived`.
    pub status: Option<PersonStatus>,
    pub cursor: Option<String>,
    /// 1–100, default 30.
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PiiQuery {
    /// Why the full values are needed (recorded).
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonPii {
    pub person_id: Uuid,
    pub id_number: String,
    pub phone: Option<String>,
    pub contacts: Vec<ContactInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    pub item: ChecklistItem,
    pub level: FindingLevel,
    pub note: Option<String>,
}

/// An application opened on the person's behalf (主动发现, channel `outreach`): the applicant
/// is the registered person; everything else goes through the same intake rules.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutreachApplicationInput {
    pub assistance_type: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub urgent: bool,
    /// The applicant's mobile, when the registry has none.
    pub phone: Option<String>,
    /// Defaults to the registered address.
    pub address: Option<String>,
    #[serde(default)]
    pub household: Vec<HouseholdMemberInput>,
    pub monthly_income_yuan: Option<f64>,
    /// Required for an applicant under 14.
    pub guardian: Option<GuardianInput>,
    /// The person (or their guardian) agreed to the application being made for them.
    pub consent: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitRequest {
    /// When the visit was made; defaults to now. Not in the future, at most 30 days back.
    pub visited_at: Option<DateTime<Utc>>,
    pub method: VisitMethod,
    /// A second worker who went along.
    pub companion_id: Option<Uuid>,
    /// One answer per item of the person's checklist.
    pub findings: Vec<FindingInput>,
    #[serde(default)]
    pub note: String,
    #[serde(default = "no_follow_up")]
    pub follow_up: FollowUp,
    /// What the community should do (`follow_up = help_task`).
    pub task_note: Option<String>,
    /// `follow_up = application`.
    pub application: Option<OutreachApplicationInput>,
}

fn no_follow_up() -> FollowUp {
    FollowUp::None
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FindingView {
    pub item: ChecklistItem,
    pub level: FindingLevel,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisitView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub visited_at: DateTime<Utc>,
    pub method: VisitMethod,
    pub visitor_id: Uuid,
    pub companion_id: Option<Uuid>,
    /// Whether the visit kept the schedule (a phone call does not where a home visit is required).
    pub counts: bool,
    pub findings: Vec<FindingView>,
    pub note: String,
    pub follow_up: FollowUp,
    pub application_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub next_due_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VisitResponse {
    pub visit: VisitView,
    pub person: PersonSummary,
    /// The application opened on the person's behalf.
    pub application: Option<CaseRef>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VisitPage {
    pub items: Vec<VisitView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub visit_id: Option<Uuid>,
    pub note: String,
    pub status: TaskStatus,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_note: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskPage {
    pub items: Vec<TaskView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// `open` (default) or `done`.
    pub status: Option<TaskStatus>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskDoneRequest {
    /// What was done.
    pub note: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}
