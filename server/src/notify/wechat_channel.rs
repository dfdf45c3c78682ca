//! The WeChat channel: a subscribe message to the resident, if they gave a one-time consent
//! for the template (a send spends one; a retry does not spend another). 43101 is a normal
//! "no consent" outcome; 47003/40037/41030 are our bug and dead-lettered at once; network
//! trouble and -1 are retried later. A timeout after the request went out has an unknown
//! outcome and is retried once only: the one case where a resident could get a notice twice.
//! A send happens only within its claim: it is marked as started just before the request (a
//! holder that dies before the mark is retried plainly), and the claim is renewed while the
//! request is out, so the reconciler never retries a notice its live consumer is sending.

use std::collections::BTreeMap;

use sea_orm::DbErr;

use entity::{notification_deliveries as deliveries, outbox};

use crate::{
    db,
    notify::{
        attempt::{Attempt, keeping_claim},
        store::{self, Outcome},
        store::{MAX_UNKNOWN_OUTCOMES, UNKNOWN_RETRIED},
        templates::{self, Context},
    },
    outbox::Notice,
    residents,
    state::AppState,
    wechat::{
        dto::{DataValue, SendOutcome, SubscribeMessage},
        errors::{ErrorClass, WechatError},
    },
};

/// What the resident reads in the note field, from what the event carries.
fn note(event: &str, n: &Notice) -> Option<String> {
    let money = n.amount_yuan.map(|a| format!("{a:.2}"));
    match event {
        "application.request_supplement" => {
            n.items.as_ref().map(|i| format!("请补充:{}", i.join("、")))
        }
        "application.reject" => n.reason.clone(),
        "application.approve" => money.map(|a| format!("批准救助金 {a} 元")),
        "application.emergency_approve" => money.map(|a| format!("先行救助 {a} 元")),
        "application.start_public_notice" => Some("公示期满且无异议后作出决定".into()),
        _ => None,
    }
    .or_else(|| n.note.clone())
}

/// What a notice can say, from the notice alone. A notice written before the names were
/// carried (version 1) gets neutral wording.
fn context(event: &outbox::Model, n: &Notice) -> Context {
    Context {
        application_id: event.aggregate_id.to_string(),
        assistance_type: n
            .assistance_type_name
            .clone()
            .unwrap_or_else(|| "社会救助".into()),
        status_label: n.status_label.clone().unwrap_or_else(|| "进度更新".into()),
        at: event.created_at,
        reference: n.reference.clone().unwrap_or_default(),
        note: note(&event.event_type, n),
        amount_yuan: n.amount_yuan,
        community: n.community_name.clone().unwrap_or_default(),
    }
}

fn failed(d: &deliveries::Model, e: &WechatError) -> Attempt {
    let error = match e.rid() {
        Some(rid) => format!("{e} (rid {rid})"),
        None => e.to_string(),
    };
    match (e.class(), e) {
        (ErrorClass::NoConsent, _) => Attempt::Done(Outcome::SkippedNoConsent { reason: error }),
        (ErrorClass::OurBug, _) => Attempt::Done(Outcome::Dead { error }),
        (_, WechatError::Transport(t)) if t.starts_with("timeout") => {
            // Counted in its own column: other errors in between must not reset the limit.
            let retried = d.unknown_outcomes + 1 >= MAX_UNKNOWN_OUTCOMES;
            Attempt::Done(Outcome::Unknown {
                error: if retried {
                    format!("{UNKNOWN_RETRIED}: {error}")
                } else {
                    format!("outcome unknown: {error}")
                },
            })
        }
        _ => Attempt::Transient(error),
    }
}

/// Renders and sends the subscribe message of a claimed delivery, within its claim.
pub async fn deliver(state: &AppState, d: &deliveries::Model) -> Result<Attempt, DbErr> {
    let Some(event) = crate::outbox::store::find(&state.db, d.outbox_id).await? else {
        return Ok(Attempt::Done(Outcome::Dead {
            error: "outbox row missing".into(),
        }));
    };
    let Some(template) = state.notifier.templates.for_event(&event.event_type) else {
        return Ok(Attempt::Done(Outcome::SkippedNoConsent {
            reason: format!("no subscribe template for {}", event.event_type),
        }));
    };
    let Some(resident) = residents::store::find_by_id(&state.db, d.recipient_id).await? else {
        return Ok(Attempt::Done(Outcome::Dead {
            error: "resident no longer exists".into(),
        }));
    };
    if !d.credit_consumed {
        // Spent and noted together, or neither: a credit is never lost to a delivery that does
        // not know it spent one, nor spent twice by a retry.
        let txn = db::begin(&state.db).await?;
        if !store::spend_credit(&txn, resident.id, &template.template_id).await? {
            txn.rollback().await?;
            return Ok(Attempt::Done(Outcome::SkippedNoConsent {
                reason: "the resident has no subscription left for this template".into(),
            }));
        }
        if !store::mark_credit_consumed(&txn, d).await? {
            txn.rollback().await?;
            return Ok(Attempt::NotStarted("the claim was taken over".into()));
        }
        txn.commit().await?;
    }
    let notice = match Notice::from_json(&event.payload) {
        Ok(n) => n,
        Err(e) => {
            return Ok(Attempt::Done(Outcome::Dead {
                error: format!("unreadable outbox payload: {e}"),
            }));
        }
    };
    let ctx = context(&event, &notice);
    let data: BTreeMap<String, DataValue> = templates::render(template, &ctx)
        .into_iter()
        .map(|(k, value)| (k, DataValue { value }))
        .collect();
    let message = SubscribeMessage {
        touser: resident.openid.clone(),
        template_id: template.template_id.clone(),
        page: templates::page(template, &ctx),
        data,
        miniprogram_state: state.settings.wechat.miniprogram_state.clone(),
        lang: "zh_CN".into(),
    };
    // The last write before the request: from here on a takeover cannot know whether it left.
    if !store::mark_send_started(&state.db, d, state.settings.notify.lease).await? {
        return Ok(Attempt::NotStarted(
            "the claim ran out or was taken over before sending".into(),
        ));
    }
    let sent = keeping_claim(state, d, state.wechat.send_subscribe_message(&message)).await;
    Ok(match sent {
        Ok(SendOutcome::Sent { msgid }) => Attempt::Done(Outcome::Sent {
            provider_msg_id: Some(msgid).filter(|m| !m.is_empty()),
        }),
        Ok(SendOutcome::SentInDev) => Attempt::Done(Outcome::Sent {
            provider_msg_id: Some("sent-in-dev".into()),
        }),
        Err(e) => {
            if e.class() == ErrorClass::NoConsent {
                // WeChat says there is nothing left: our count was optimistic.
                store::clear_credits(&state.db, resident.id, &template.template_id).await?;
            }
            failed(d, &e)
        }
    })
}
