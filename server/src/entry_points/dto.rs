//! Request and response shapes of entry points, scans and the funnel.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use entity::entry_points;

use crate::{
    assistance::AssistanceTypeSummary,
    entry_points::domain::Channel,
    jurisdictions::{JurisdictionNode, domain::path_codes},
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEntryPointRequest {
    /// A community (社区/村) inside the caller's subtree: a resident's case goes to a community.
    pub jurisdiction_code: String,
    pub label: String,
    /// `poster`, `community_hall`, `hotline_sms`, `door_to_door` or `other`.
    #[schema(example = "poster")]
    pub channel: String,
}

/// Rename and/or enable or disable; absent fields keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEntryPointRequest {
    pub label: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EntryPointResponse {
    pub id: Uuid,
    /// What the codes carry (≤ 32 characters, random).
    pub scene: String,
    pub jurisdiction_code: String,
    pub label: String,
    pub channel: Channel,
    pub enabled: bool,
    /// `{ZTC_PUBLIC_BASE_URL}/s/{scene}`: what the URL QR code encodes.
    pub landing_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl EntryPointResponse {
    pub fn new(m: &entry_points::Model, public_base_url: &str) -> Self {
        EntryPointResponse {
            id: m.id,
            scene: m.scene.clone(),
            jurisdiction_code: path_codes(&m.jurisdiction_path)
                .last()
                .map(|c| c.to_string())
                .unwrap_or_default(),
            label: m.label.clone(),
            channel: Channel::parse(&m.channel).unwrap_or(Channel::Other),
            enabled: m.enabled,
            landing_url: landing_url(public_base_url, &m.scene),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

pub fn landing_url(public_base_url: &str, scene: &str) -> String {
    format!("{}/s/{scene}", public_base_url.trim_end_matches('/'))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EntryPointList {
    pub items: Vec<EntryPointResponse>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only entry points in this node's subtree (within the caller's own).
    pub jurisdiction_code: Option<String>,
    pub cursor: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum QrKind {
    /// The mini-program code (小程序码) from WeChat; the URL code in dev WeChat mode.
    Wxacode,
    /// A plain QR code of the landing URL, made here.
    Url,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum QrFormat {
    Png,
    Svg,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// `url` (default) or `wxacode`.
    pub kind: Option<QrKind>,
    /// `png` (default) or `svg`; the 小程序码 is PNG or JPEG as WeChat makes it.
    pub format: Option<QrFormat>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First day (China time, `YYYY-MM-DD`), default 29 days before `to`.
    pub from: Option<String>,
    /// Last day, inclusive, default today; at most 366 days in all.
    pub to: Option<String>,
}

/// One day of the funnel: scans, then applications started and submitted through the entry
/// point.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct FunnelDay {
    pub date: NaiveDate,
    pub scans: u64,
    /// Distinct logged-in residents who scanned that day (anonymous scans are not counted).
    pub unique_residents: u64,
    /// Applications (drafts included) created that day from this entry point's scene.
    pub applications_started: u64,
    /// Applications submitted that day from this entry point's scene.
    pub applications_submitted: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FunnelTotals {
    pub scans: u64,
    /// Distinct residents over the whole range (not the sum of the days).
    pub unique_residents: u64,
    pub applications_started: u64,
    pub applications_submitted: u64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatsResponse {
    pub entry_point_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days are China time (UTC+8).
    #[schema(example = "Asia/Shanghai")]
    pub timezone: String,
    pub totals: FunnelTotals,
    /// Every day of the range, oldest first, zeros included.
    pub days: Vec<FunnelDay>,
}

/// One of `scene` (a 小程序码) or `q` (a URL code opened through 扫普通链接二维码打开小程序).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanRequest {
    /// The `scene` of the scanned code (already `decodeURIComponent`-ed).
    pub scene: Option<String>,
    /// `options.q` as WeChat passes it: the URL-encoded landing link
    /// `{ZTC_PUBLIC_BASE_URL}/s/{scene}` of a URL QR code.
    pub q: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ScanJurisdiction {
    pub code: String,
    pub name: String,
    /// From the city down to the community.
    pub path: Vec<JurisdictionNode>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ScanResponse {
    pub entry_point_id: Uuid,
    /// The entry point's scene: send it with the application (`scene`) so the case is routed
    /// and counted in this code's funnel.
    pub scene: String,
    pub jurisdiction: ScanJurisdiction,
    pub assistance_types: Vec<AssistanceTypeSummary>,
    /// The assistance hotline.
    pub hotline: String,
}
