//! What a call tells others: a note on the timeline of the case it is about, and the outbox
//! row that sends a help request or complaint to the community's caseworkers.

use sea_orm::DatabaseTransaction;
use serde_json::{Value, json};

use entity::{applications, hotline_calls as calls};

use crate::{
    applications::{
        events::{self, NewEvent},
        service::EventActor,
    },
    auth::Staff,
    error::AppResult,
    hotline::domain::Category,
    notify::{self, OutboxEvent},
};

/// A call about an existing case shows on the case's (staff) timeline.
pub async fn record_on_case(
    txn: &DatabaseTransaction,
    me: &Staff,
    app: &applications::Model,
    call: &calls::Model,
    category: Category,
) -> AppResult<()> {
    let actor = EventActor::staff(me);
    events::record(
        txn,
        NewEvent {
            application_id: app.id,
            actor_kind: actor.kind,
            actor_id: actor.id,
            actor_label: actor.label,
            actor_role: actor.role,
            action: "hotline_call",
            from_status: Some(&app.status),
            to_status: Some(&app.status),
            note: call.summary.clone(),
            note_public: false,
            public: false,
            data: Some(json!({ "call_id": call.id, "category": category.as_str() })),
        },
    )
    .await?;
    Ok(())
}

/// Tells the community's caseworkers (the case's assignee first, when there is a case).
pub async fn notify_community(
    txn: &DatabaseTransaction,
    call: &calls::Model,
    event_type: &str,
    app: Option<&applications::Model>,
) -> AppResult<()> {
    let mut audiences = vec!["caseworkers"];
    if call.urgent {
        audiences.push("street");
    }
    let payload: Value = json!({
        "call_id": call.id,
        "category": call.category,
        "urgent": call.urgent,
        "community_id": call.community_id,
        "jurisdiction_path": call.jurisdiction_path,
        "application_id": app.map(|a| a.id),
        "reference": app.map(|a| a.reference.clone()),
        "assignee_id": app.and_then(|a| a.assignee_id),
        "caller_phone": call.caller_phone_masked,
        "audiences": audiences,
    });
    notify::enqueue(
        txn,
        OutboxEvent {
            aggregate_type: "hotline_call",
            aggregate_id: call.id,
            aggregate_version: 1,
            event_type: event_type.into(),
            payload,
        },
    )
    .await?;
    Ok(())
}
