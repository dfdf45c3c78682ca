//! Request and response shapes of the notification API.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use entity::{notification_deliveries as deliveries, staff_notifications};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InboxItem {
    /// Also the SSE event id; resume a stream with `Last-Event-ID`.
    pub id: Uuid,
    pub event_type: String,
    pub title: String,
    pub body: String,
    pub application_id: Option<Uuid>,
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<staff_notifications::Model> for InboxItem {
    fn from(n: staff_notifications::Model) -> Self {
        InboxItem {
            id: n.id,
            event_type: n.event_type,
            title: n.title,
            body: n.body,
            application_id: n.application_id,
            data: n.data,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Only unread entries.
    #[serde(default)]
    pub unread: bool,
    pub cursor: Option<String>,
    /// 1–100, default 30.
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// For `EventSource`, which cannot send headers; prefer the `Authorization` header.
    pub access_token: Option<String>,
    /// Same as the `Last-Event-ID` header.
    pub last_event_id: Option<Uuid>,
}

/// A delivery as staff see it (case view and dead letters).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub application_id: Option<Uuid>,
    pub event_type: String,
    pub channel: String,
    pub recipient_kind: String,
    /// The staff member's id; residents are not identified here.
    pub recipient_id: Option<Uuid>,
    /// `pending`, `waiting` (behind an older notice of the same case), `sending`, `retry`,
    /// `unknown` (a send that may or may not have arrived; retried once), `sent`, `dead`,
    /// `skipped_no_consent`, `skipped_stale`.
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// WeChat confirmed the push.
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl From<deliveries::Model> for DeliveryView {
    fn from(d: deliveries::Model) -> Self {
        DeliveryView {
            id: d.id,
            application_id: d.application_id,
            event_type: d.event_type,
            recipient_id: (d.recipient_kind == "staff").then_some(d.recipient_id),
            channel: d.channel,
            recipient_kind: d.recipient_kind,
            state: d.state,
            attempts: d.attempts,
            last_error: d.last_error,
            created_at: d.created_at,
            updated_at: d.updated_at,
            sent_at: d.sent_at,
            confirmed_at: d.confirmed_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TemplateInfo {
    pub template_id: String,
    pub title: String,
    /// Event types this template is used for.
    pub events: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionTemplates {
    /// Pass these to `wx.requestSubscribeMessage` (at most three per call).
    pub template_ids: Vec<String>,
    pub templates: Vec<TemplateInfo>,
    /// Sends still allowed per template.
    pub credits: BTreeMap<String, i32>,
}

/// `wx.requestSubscribeMessage` results: `accept`, `reject`, `ban` or `filter` per template.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    pub results: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsentResponse {
    pub credits: BTreeMap<String, i32>,
    /// `false` when WeChat's message push is configured: its popup events are the record of
    /// consent, so the mini-program's own report is accepted but not counted a second time.
    pub recorded: bool,
}
