//! Building hotline responses from stored rows: masked numbers and names only, related cases,
//! communities and operators looked up in batches.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use entity::{
    applications, hotline_calls as calls, hotline_follow_ups as follow_ups, jurisdictions,
};

use crate::{
    applications::{
        self as apps,
        views::{Lookup, status},
        workflow::Status,
    },
    hotline::{
        domain::{Category, MAX_FOLLOW_UP_ATTEMPTS},
        dto::{CallApplicationRef, CallView, FollowUpCase, FollowUpView, OperatorRef, TaskState},
    },
    jurisdictions::{self as juris, JurisdictionNode},
    privacy::mask_name,
    staff,
};

/// Communities, cases and operators of a batch of calls.
pub struct CallLookup {
    communities: HashMap<Uuid, jurisdictions::Model>,
    applications: HashMap<Uuid, applications::Model>,
    operators: HashMap<Uuid, entity::staff::Model>,
}

impl CallLookup {
    /// What the calls refer to, as `scope` may see it: a case since transferred out of the
    /// viewer's subtree is not shown.
    pub async fn load(
        db: &impl ConnectionTrait,
        scope: &crate::jurisdictions::Scope,
        calls: &[calls::Model],
    ) -> Result<Self, DbErr> {
        let community_ids: Vec<Uuid> = calls.iter().filter_map(|c| c.community_id).collect();
        let app_ids: Vec<Uuid> = calls.iter().filter_map(|c| c.application_id).collect();
        let operator_ids: Vec<Uuid> = calls.iter().filter_map(|c| c.operator_id).collect();
        let communities = juris::store::find_many(db, community_ids)
            .await?
            .into_iter()
            .map(|n| (n.id, n))
            .collect();
        let applications = apps::store::find_many(db, Some(scope), app_ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let operators = staff::store::find_many(db, operator_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        Ok(CallLookup {
            communities,
            applications,
            operators,
        })
    }
}

pub fn call(c: &calls::Model, l: &CallLookup) -> CallView {
    let category = c.category.as_deref().and_then(Category::parse);
    let state = match (c.ended_at, c.started_source.as_deref()) {
        (Some(_), _) => "ended",
        (None, Some("platform")) => "in_progress",
        _ => "unknown",
    };
    CallView {
        id: c.id,
        platform_call_id: c.platform_call_id.clone(),
        caller_phone: c.caller_phone_masked.clone(),
        caller_name: c.caller_name.as_deref().map(mask_name),
        category,
        category_label: category.map(|c| c.label().to_string()),
        summary: c.summary.clone(),
        urgent: c.urgent,
        community: c
            .community_id
            .and_then(|id| l.communities.get(&id))
            .map(JurisdictionNode::from),
        application: c
            .application_id
            .and_then(|id| l.applications.get(&id))
            .map(|a| {
                let st = status(a);
                CallApplicationRef {
                    id: a.id,
                    reference: a.reference.clone(),
                    status: st,
                    status_label: st.label().into(),
                    link: c.application_link.clone().unwrap_or_default(),
                }
            }),
        operator: c
            .operator_id
            .and_then(|id| l.operators.get(&id))
            .map(|s| OperatorRef {
                id: s.id,
                name: s.display_name.clone().unwrap_or_else(|| s.username.clone()),
            }),
        entered_at: c.entered_at,
        agent: c.agent.clone(),
        started_at: c.started_at,
        ended_at: c.ended_at,
        duration_s: c.duration_s,
        state: state.into(),
        recording_url: c.recording_url.clone(),
        task: c.task_status.as_ref().map(|status| TaskState {
            status: status.clone(),
            done_at: c.task_done_at,
            done_by: c.task_done_by,
            note: c.task_note.clone(),
        }),
        created_at: c.created_at,
    }
}

/// `due`, `overdue`, `done` or `cancelled`.
pub fn follow_up_status(f: &follow_ups::Model, now: DateTime<Utc>) -> &'static str {
    match f.status.as_str() {
        "open" if f.due_at < now => "overdue",
        "open" => "due",
        "done" => "done",
        _ => "cancelled",
    }
}

pub fn follow_up(
    f: &follow_ups::Model,
    app: &applications::Model,
    lookup: &Lookup,
    now: DateTime<Utc>,
) -> FollowUpView {
    let st = status(app);
    FollowUpView {
        id: f.id,
        application: FollowUpCase {
            id: app.id,
            reference: app.reference.clone(),
            status: st,
            status_label: st.label().into(),
            assistance_type: lookup.kind(&app.assistance_type),
            community: lookup.community(app),
            applicant_name: app.applicant_name.clone(),
            applicant_phone: app.applicant_phone_masked.clone(),
            channel: app.channel.clone(),
        },
        trigger_status: Status::parse(&f.trigger_status).unwrap_or(Status::Closed),
        status: follow_up_status(f, now).into(),
        outcome: f.outcome.clone(),
        due_at: f.due_at,
        attempts: f.attempts,
        max_attempts: MAX_FOLLOW_UP_ATTEMPTS,
        satisfaction: f.satisfaction,
        note: f.note.clone(),
        reopened: f.reopened,
        completed_at: f.completed_at,
        created_at: f.created_at,
    }
}
