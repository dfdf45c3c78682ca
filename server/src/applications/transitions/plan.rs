//! What an action changes, decided before anything is written, and the inputs every action's
//! plan reads.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use serde_json::{Value, json};

use entity::{applications, assistance_types};

use crate::{
    applications::workflow::{Action, Status},
    calendar::WorkCalendar,
    error::AppError,
    money::yuan_to_fen,
    outbox::{Audience, Notice},
    state::AppState,
    text,
};

use super::Command;

/// What the executor has read for an action: the case, its type, the calendar and the
/// normalised note.
pub(super) struct Ctx<'a> {
    pub state: &'a AppState,
    pub txn: &'a DatabaseTransaction,
    pub app: &'a applications::Model,
    pub kind: &'a assistance_types::Model,
    pub cal: &'a WorkCalendar,
    pub now: DateTime<Utc>,
    pub from: Status,
    pub action: Action,
    pub cmd: &'a Command,
    /// The trimmed note, if one was given.
    pub note: Option<String>,
}

pub(super) struct Plan {
    pub changes: applications::ActiveModel,
    /// Recompute the clock for the new state.
    pub new_stage: bool,
    /// The clock was set explicitly (resume).
    pub clock_set: bool,
    /// Shown on the resident's timeline.
    pub public: bool,
    /// The timeline note, when the action words its own.
    pub note: Option<String>,
    /// The timeline entry's details.
    pub data: Value,
    pub audiences: Vec<Audience>,
    /// What the event says in its notice (items, reason, amount); the executor adds the rest.
    pub notice: Notice,
}

impl Plan {
    /// The default plan of a state change: a public entry for the resident.
    pub fn new(to: Status, from: Status) -> Plan {
        Plan {
            changes: applications::ActiveModel::default(),
            new_stage: to != from,
            clock_set: false,
            public: true,
            note: None,
            data: json!({}),
            audiences: vec![Audience::Resident],
            notice: Notice::default(),
        }
    }
}

/// A required free text of `min`..=`max` characters (no control characters but line breaks),
/// with `missing` as the field error when it is too short.
pub(crate) fn text(
    value: Option<&str>,
    field: &str,
    min: usize,
    max: usize,
    missing: &str,
) -> Result<String, AppError> {
    text::required_text(value, min, max, missing).map_err(|e| AppError::field(field, e))
}

/// The amount an approval grants, in fen.
pub(super) fn amount(cmd: &Command) -> Result<i64, AppError> {
    let yuan = cmd
        .amount_yuan
        .ok_or_else(|| AppError::field("amount_yuan", "请填写救助金额"))?;
    let fen = yuan_to_fen(yuan).map_err(|e| AppError::field("amount_yuan", e))?;
    if fen == 0 {
        return Err(AppError::field("amount_yuan", "救助金额应大于 0"));
    }
    Ok(fen)
}
