//! Request and response shapes of the assistance catalogue.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::assistance_types;

use crate::assistance::domain::{RequiredField, TimeLimits};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistanceTypeResponse {
    pub code: String,
    pub name: String,
    pub description: String,
    pub required_fields: Vec<RequiredField>,
    pub time_limits: TimeLimits,
    /// Whether 先行救助 (aid first, paperwork later) is possible for urgent cases.
    pub emergency_allowed: bool,
    pub enabled: bool,
}

/// The short form residents see after a scan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistanceTypeSummary {
    pub code: String,
    pub name: String,
}

pub fn required_fields(m: &assistance_types::Model) -> Vec<RequiredField> {
    serde_json::from_value(m.required_fields.clone()).unwrap_or_default()
}

pub fn time_limits(m: &assistance_types::Model) -> TimeLimits {
    TimeLimits {
        urgent_response_hours: m.urgent_response_hours,
        response_working_days: m.response_working_days,
        investigation_working_days: m.investigation_working_days,
        review_working_days: m.review_working_days,
        public_notice_days: m.public_notice_days,
        total_working_days: m.total_working_days,
        emergency_backfill_working_days: m.emergency_backfill_working_days,
    }
}

impl From<&assistance_types::Model> for AssistanceTypeResponse {
    fn from(m: &assistance_types::Model) -> Self {
        AssistanceTypeResponse {
            code: m.code.clone(),
            name: m.name.clone(),
            description: m.description.clone(),
            required_fields: required_fields(m),
            time_limits: time_limits(m),
            emergency_allowed: m.emergency_allowed,
            enabled: m.enabled,
        }
    }
}

impl From<&assistance_types::Model> for AssistanceTypeSummary {
    fn from(m: &assistance_types::Model) -> Self {
        AssistanceTypeSummary {
            code: m.code.clone(),
            name: m.name.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssistanceTypeList {
    pub items: Vec<AssistanceTypeResponse>,
}

/// Any subset of fields; absent ones keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAssistanceTypeRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub required_fields: Option<Vec<RequiredField>>,
    pub time_limits: Option<TimeLimits>,
    pub emergency_allowed: Option<bool>,
    pub enabled: Option<bool>,
}
