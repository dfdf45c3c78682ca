//! Request and response shapes of the jurisdiction API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::jurisdictions;

use crate::jurisdictions::Level;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct JurisdictionNode {
    pub code: String,
    pub name: String,
    pub level: Level,
}

impl From<&jurisdictions::Model> for JurisdictionNode {
    fn from(m: &jurisdictions::Model) -> Self {
        JurisdictionNode {
            code: m.code.clone(),
            name: m.name.clone(),
            level: Level::parse(&m.level).unwrap_or(Level::Grid),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JurisdictionResponse {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_code: Option<String>,
    /// From the root down to this node (inclusive).
    pub path: Vec<JurisdictionNode>,
}

impl JurisdictionResponse {
    pub fn new(node: &jurisdictions::Model, path: &[jurisdictions::Model]) -> Self {
        let parent_code = node
            .parent_id
            .and_then(|pid| path.iter().find(|p| p.id == pid))
            .map(|p| p.code.clone());
        JurisdictionResponse {
            code: node.code.clone(),
            name: node.name.clone(),
            level: Level::parse(&node.level).unwrap_or(Level::Grid),
            parent_code,
            path: path.iter().map(JurisdictionNode::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChildrenResponse {
    pub items: Vec<JurisdictionNode>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateJurisdictionRequest {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameJurisdictionRequest {
    pub name: String,
}

/// Settings of a street (街道/乡镇).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StreetSettingsResponse {
    pub code: String,
    /// The 先行救助 amount the street may grant on its own, in yuan.
    pub emergency_cap_yuan: f64,
    /// True when the city-wide default applies.
    pub is_default: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStreetSettingsRequest {
    pub emergency_cap_yuan: f64,
}
