//! The staff channel: an inbox row per delivery (unique, so a redelivery writes nothing new),
//! then a live push to every instance's connected clients.

use redis::{AsyncCommands, streams::StreamMaxlen};
use sea_orm::DbErr;
use serde_json::json;
use uuid::Uuid;

use entity::{notification_deliveries as deliveries, staff_notifications};

use crate::{
    db,
    notify::{
        attempt::Attempt,
        hub::FeedItem,
        store::{self, Outcome},
        transport::Transport,
    },
    outbox::Notice,
    state::AppState,
};

/// The inbox title of an event.
pub fn title(event: &str) -> &'static str {
    match event {
        "application.submitted" => "新的救助申请",
        "application.supplement" => "申请人已补充材料",
        "application.assign" => "案件已指派给您",
        "application.transfer" => "转来的案件",
        "application.emergency_approve" => "已先行救助,请补齐材料",
        "application.withdraw" => "申请人已撤回申请",
        "application.reopen" => "案件重新办理",
        "application.sla_at_risk" => "案件临近办理时限",
        "application.urged" => "催办:案件已超过办理时限",
        "application.supervised" => "督办:案件超时 5 个工作日",
        e if e.starts_with("hotline.") => "热线工单",
        "care.visit_due_soon" => "走访即将到期",
        "care.visit_due" => "今日应走访",
        "care.visit_overdue" => "走访已逾期",
        "care.visit_urged" => "催办:重点人员走访逾期",
        "care.visit_supervised" => "督办:重点人员走访长期逾期",
        "care.help_task" => "走访发现:新的帮扶任务",
        "care.assigned" => "新分配的重点关爱对象",
        _ => "案件动态",
    }
}

fn body(n: &Notice) -> String {
    let reference = n.reference.as_deref().unwrap_or("");
    let urgent = if n.urgent { "(紧急)" } else { "" };
    let mut text = match &n.assistance_type_name {
        Some(t) => format!("{t} {reference}{urgent}"),
        None => format!("{reference}{urgent}"),
    };
    if let Some(note) = &n.note {
        if !text.is_empty() {
            text.push_str(" · ");
        }
        text.push_str(note);
    }
    text.chars().take(500).collect()
}

pub async fn deliver(state: &AppState, d: &deliveries::Model) -> Result<Attempt, DbErr> {
    let Some(event) = crate::outbox::store::find(&state.db, d.outbox_id).await? else {
        return Ok(Attempt::Done(Outcome::Dead {
            error: "outbox row missing".into(),
        }));
    };
    let notice = match Notice::from_json(&event.payload) {
        Ok(n) => n,
        Err(e) => {
            return Ok(Attempt::Done(Outcome::Dead {
                error: format!("unreadable outbox payload: {e}"),
            }));
        }
    };
    let data = json!({
        "event_type": event.event_type,
        "application_id": d.application_id,
        "reference": notice.reference,
        "status": notice.status,
        "escalation_level": notice.escalation_level,
        "person_id": notice.person_id,
        "visit_due_on": notice.visit_due_on,
        "care_task_id": notice.care_task_id,
    });
    store::inbox::insert_for_delivery(
        &state.db,
        staff_notifications::Model {
            id: Uuid::now_v7(),
            staff_id: d.recipient_id,
            delivery_id: d.id,
            application_id: d.application_id,
            event_type: event.event_type.clone(),
            title: title(&event.event_type).into(),
            body: body(&notice),
            data: Some(data),
            created_at: db::now(),
            read_at: None,
        },
    )
    .await?;
    Ok(Attempt::Done(Outcome::Sent {
        provider_msg_id: None,
    }))
}

/// Tells every instance (and so every connected client) about the new inbox row.
pub async fn announce(state: &AppState, d: &deliveries::Model) {
    let Ok(Some(row)) = store::inbox::by_delivery(&state.db, d.id).await else {
        return;
    };
    let item = FeedItem {
        staff_id: row.staff_id,
        inbox_id: row.id,
    };
    match &state.notifier.transport {
        Transport::Redis(s) => {
            let fields = [
                ("s", item.staff_id.to_string()),
                ("i", item.inbox_id.to_string()),
            ];
            let res: Result<Option<String>, redis::RedisError> = match s.redis.conn().await {
                Ok(mut conn) => {
                    conn.xadd_maxlen(&s.feed, StreamMaxlen::Approx(10_000), "*", &fields)
                        .await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = res {
                // Clients still get it from the inbox on their next (re)connect.
                tracing::warn!(error = %e, "live feed publish failed");
            }
        }
        Transport::Local(_) => state.notifier.hub.send(item),
    }
}
