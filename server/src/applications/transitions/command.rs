//! What an action is asked with, and by whom.

use uuid::Uuid;

use crate::{
    applications::{
        dto::{SupplementRequest, TransitionRequest},
        workflow::Action,
    },
    auth::{Resident, Staff},
};

pub enum Who<'a> {
    Resident(&'a Resident),
    Staff(&'a Staff),
    /// A 回访 result recorded by this staff member (the hotline's follow-up actor).
    FollowUp(&'a Staff),
}

/// Everything an action may carry; unused parts are ignored.
#[derive(Default)]
pub struct Command {
    pub action: Option<Action>,
    pub expected_version: Option<i32>,
    pub note: Option<String>,
    pub note_public: bool,
    pub amount_yuan: Option<f64>,
    pub reason: Option<String>,
    pub items: Option<Vec<String>>,
    pub assignee_id: Option<Uuid>,
    pub community_code: Option<String>,
    pub supplement: Option<SupplementRequest>,
}

impl From<TransitionRequest> for Command {
    fn from(r: TransitionRequest) -> Self {
        Command {
            action: Some(r.action),
            expected_version: Some(r.expected_version),
            note: r.note,
            note_public: r.note_public,
            amount_yuan: r.amount_yuan,
            reason: r.reason,
            items: r.items,
            assignee_id: r.assignee_id,
            community_code: r.community_code,
            supplement: None,
        }
    }
}
