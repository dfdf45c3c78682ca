//! What a call tells others: a note on the timeline of the case it is about, and the outbox
//! row that sends a help request or complaint to the community's caseworkers.

use sea_orm::DatabaseTransaction;
use serde_json::json;

use entity::{applications, hotline_calls as calls};

use crate::{
    applications::events::{EventActor, NewEvent},
    auth::Staff,
    error::AppResult,
    hotline::domain::Category,
    outbox::{self, Audience, Notice, OutboxEvent},
};

/// A call about an existing case shows on the case's (staff) timeline.
pub async fn record_on_case(
    txn: &DatabaseTransaction,
    me: &Staff,
    app: &applications::Model,
    call: &calls::Model,
    category: Category,
) -> AppResult<()> {
    NewEvent::internal(app, EventActor::staff(me), "hotline_call")
        .note(call.summary.clone(), false)
        .data(json!({ "call_id": call.id, "category": category.as_str() }))
        .record(txn)
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
    let mut audiences = vec![Audience::Caseworkers];
    if call.urgent {
        audiences.push(Audience::Street);
    }
    let notice = Notice {
        call_id: Some(call.id),
        category: call.category.clone(),
        urgent: call.urgent,
        community_id: call.community_id,
        jurisdiction_path: Some(call.jurisdiction_path.clone()),
        application_id: app.map(|a| a.id),
        reference: app.map(|a| a.reference.clone()),
        assignee_id: app.and_then(|a| a.assignee_id),
        caller_phone: call.caller_phone_masked.clone(),
        ..Notice::to(&audiences)
    };
    outbox::enqueue(
        txn,
        OutboxEvent {
            aggregate_type: "hotline_call",
            aggregate_id: call.id,
            aggregate_version: 1,
            event_type: event_type.into(),
            notice,
        },
    )
    .await?;
    Ok(())
}
