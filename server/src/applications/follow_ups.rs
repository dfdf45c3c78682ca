//! 回访 scheduling, owned by the case core: a case that ends gets one follow-up per episode,
//! due the next working day, in the transition's own transaction; a case reopened before its
//! follow-up was made has that follow-up cancelled. The hotline records the results.

use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;
use uuid::Uuid;

use entity::{applications, hotline_follow_ups as follow_ups};

use crate::{
    applications::{
        events::{EventActor, NewEvent},
        workflow::Status,
    },
    calendar::WorkCalendar,
    db,
    hotline::store,
    jurisdictions::domain::parent_path,
};

/// Called by the transition executor after every change of a case's state.
pub async fn on_case_transition(
    txn: &DatabaseTransaction,
    cal: &WorkCalendar,
    app: &applications::Model,
    from: Status,
    to: Status,
) -> Result<(), DbErr> {
    if from == to {
        return Ok(());
    }
    if to.is_open() {
        if !from.is_open() {
            store::cancel_open_follow_ups(txn, app.id).await?;
        }
        return Ok(());
    }
    let now = db::now();
    let follow_up = follow_ups::Model {
        id: Uuid::now_v7(),
        application_id: app.id,
        episode: store::reopen_count(txn, app.id).await?,
        community_id: app.community_id,
        jurisdiction_path: app.jurisdiction_path.clone(),
        street_path: parent_path(&app.jurisdiction_path).to_string(),
        trigger_status: to.as_str().into(),
        status: "open".into(),
        due_at: cal.deadline(now, 1),
        attempts: 0,
        attempt_log: json!([]),
        outcome: None,
        satisfaction: None,
        note: None,
        reopened: false,
        completed_at: None,
        completed_by: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let (id, due_at) = (follow_up.id, follow_up.due_at);
    if store::insert_follow_up_if_absent(txn, follow_up).await? {
        NewEvent::new(app.id, EventActor::system(), "follow_up_scheduled")
            .statuses(Some(to.as_str()), Some(to.as_str()))
            .staff_only()
            .data(json!({ "follow_up_id": id, "due_at": due_at }))
            .record(txn)
            .await?;
    }
    Ok(())
}
