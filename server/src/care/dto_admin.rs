//! Shapes of the catalogue, the exports and the per-street figures.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::care_enums::PersonStatus;

use crate::{care::domain::ChecklistItem, jurisdictions::JurisdictionNode};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TierView {
    pub tier: i32,
    pub name: String,
    /// Calendar days between visits.
    pub interval_days: i32,
    pub home_visit_required: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupView {
    pub code: String,
    pub name: String,
    pub description: String,
    /// The assistance type whose roll this group is: its people already receive it, and a
    /// new application of that type for them is refused as a duplicate.
    pub roll_type: Option<String>,
    pub checklist: Vec<ChecklistItem>,
    pub enabled: bool,
    pub tiers: Vec<TierView>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GroupList {
    pub items: Vec<GroupView>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierInput {
    pub tier: i32,
    /// 1–365 calendar days.
    pub interval_days: i32,
    pub home_visit_required: bool,
}

/// A city admin's changes to a group; new intervals apply from each person's next visit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroupRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    pub checklist: Option<Vec<ChecklistItem>>,
    pub tiers: Option<Vec<TierInput>>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx` (default) or `csv` (UTF-8 with BOM, for Excel).
    pub format: Option<ExportFormat>,
    pub group: Option<String>,
    pub tier: Option<i32>,
    /// Comma-separated: `on_track`, `due_soon`, `due`, `overdue`.
    pub visit: Option<String>,
    /// `me`, `none` or a staff id.
    pub worker: Option<String>,
    pub jurisdiction_code: Option<String>,
    pub status: Option<PersonStatus>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// `YYYY-MM`; defaults to this month (China time).
    pub month: Option<String>,
    /// Only streets at or below this node.
    pub jurisdiction_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupTierCount {
    pub group: String,
    pub group_name: String,
    pub tier: i32,
    pub people: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StreetFigures {
    pub street: JurisdictionNode,
    /// Active people.
    pub people: u64,
    pub by_group: Vec<GroupTierCount>,
    /// Visits made this month, and how many different people they reached.
    pub visits_done: u64,
    pub people_visited: u64,
    /// Active people whose visit falls due this month (including those already overdue).
    pub visits_due: u64,
    /// Active people whose visit is overdue today.
    pub overdue: u64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatsResponse {
    pub month: String,
    pub streets: Vec<StreetFigures>,
}
