//! Request and response shapes of the staff admin API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use entity::{jurisdictions, staff};

use crate::{jurisdictions::JurisdictionNode, staff::Role};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStaffRequest {
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
    pub role: Role,
    pub jurisdiction_code: String,
    pub display_name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStaffRequest {
    pub role: Option<Role>,
    pub jurisdiction_code: Option<String>,
    pub disabled: Option<bool>,
    pub display_name: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListStaffQuery {
    pub role: Option<Role>,
    /// Only staff at or below this node.
    pub jurisdiction_code: Option<String>,
    pub disabled: Option<bool>,
    /// Part of the username or display name, taken literally (`%` and `_` are not wildcards);
    /// control characters are refused (422).
    pub q: Option<String>,
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StaffResponse {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub jurisdiction: JurisdictionNode,
    pub disabled: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl StaffResponse {
    pub fn from_models(s: staff::Model, j: &jurisdictions::Model) -> Self {
        StaffResponse {
            id: s.id,
            role: Role::parse(&s.role).unwrap_or(Role::Operator),
            username: s.username,
            display_name: s.display_name,
            jurisdiction: JurisdictionNode::from(j),
            disabled: s.disabled,
            last_login_at: s.last_login_at,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StaffPage {
    pub items: Vec<StaffResponse>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
