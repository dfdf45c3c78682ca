//! The outbox payload: what a notice says and to whom. Written by the case core and the
//! hotline, read by the notification pipeline, which never reads the writers' tables.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The layout written today. Version 2 carries the display names (status label, assistance
/// type and community names); rows of version 1 (written before) lack them, and readers fall
/// back to neutral wording.
pub const VERSION: u16 = 2;

/// Who a notice is for; the pipeline resolves these to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The applicant (via WeChat).
    Resident,
    /// The case's assignee, or the community's caseworkers when unassigned.
    Caseworkers,
    /// Approvers and supervisors of the case's street (催办).
    Street,
    /// Supervisors of the case's district (督办).
    District,
}

/// One notice. Never personal data in the clear: phones are masked, names are not carried.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notice {
    /// Layout version (`VERSION` when written now; absent = 1).
    #[serde(skip_serializing_if = "is_v1")]
    pub v: u16,
    pub audiences: Vec<Audience>,
    /// Where in the tree the notice belongs (the case's or the call's community path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resident_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The assistance type's code and its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistance_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistance_type_name: Option<String>,
    /// The case's status after the change, and its label as residents read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_status: Option<String>,
    pub urgent: bool,
    /// A note the resident may read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The supplement items asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<String>>,
    /// A refusal's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_yuan: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation_level: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_at: Option<DateTime<Utc>>,
    /// A hotline call's or follow-up's own fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<i32>,
    /// Why a dissatisfied 回访 could not reopen its case (an error code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_reopened_because: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
    /// A grid-care person (never their name or numbers), their visit's due day and a help
    /// task a visit opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visit_due_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub care_task_id: Option<Uuid>,
}

fn is_v1(v: &u16) -> bool {
    *v <= 1
}

impl Notice {
    /// A notice of today's layout for `audiences`.
    pub fn to(audiences: &[Audience]) -> Notice {
        Notice {
            v: VERSION,
            audiences: audiences.to_vec(),
            ..Notice::default()
        }
    }

    /// Reads a stored payload. Fields a version does not have stay empty; an unreadable
    /// payload is an error for the caller to dead-letter, never a panic.
    pub fn from_json(value: &serde_json::Value) -> Result<Notice, serde_json::Error> {
        let mut notice: Notice = serde_json::from_value(value.clone())?;
        notice.v = notice.v.max(1);
        Ok(notice)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_notice_round_trips_and_says_its_version() {
        let mut n = Notice::to(&[Audience::Resident, Audience::Street]);
        n.status = Some("accepted".into());
        n.status_label = Some("已受理".into());
        let json = n.to_json();
        assert_eq!(json["v"], 2);
        assert_eq!(json["audiences"], json!(["resident", "street"]));
        assert!(json.get("reason").is_none());
        assert_eq!(Notice::from_json(&json).unwrap(), n);
    }

    #[test]
    fn a_version_1_payload_is_read_without_the_names() {
        let old = json!({
            "application_id": "0192f3c4-0000-7000-8000-000000000001",
            "status": "approved",
            "assistance_type": "dibao",
            "audiences": ["resident"],
            "amount_yuan": 850.5,
            "ends_at": "ignored"
        });
        let n = Notice::from_json(&old).unwrap();
        assert_eq!(n.v, 1);
        assert_eq!(n.audiences, [Audience::Resident]);
        assert_eq!(n.amount_yuan, Some(850.5));
        assert_eq!(n.status_label, None);
    }

    #[test]
    fn an_unknown_audience_is_an_error_not_a_panic() {
        assert!(Notice::from_json(&json!({ "audiences": ["everyone"] })).is_err());
    }
}
