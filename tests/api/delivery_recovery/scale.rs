//! Two instances sharing a thousand transitions turn them into a thousand sends: none lost,
//! none twice.

use std::collections::HashSet;

use redis::AsyncCommands;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use tests::{Backend, TestApp, application_body, eventually, id_number};

use crate::delivery::{FUAN, app_with_workers, consent, mock_send, sends};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_turn_a_thousand_transitions_into_a_thousand_sends() {
    // The service's own timings: nothing here breaks, so nothing needs recovering quickly (the
    // quick ones re-publish a backlog that is merely queued, which only slows a loaded machine).
    let app = TestApp::builder(Backend::Postgres)
        .settings(|raw| raw.ztc_notify_workers = Some("true".into()))
        .spawn()
        .await;
    app.seed_demo().await;
    app.mock_stable_token("TOKEN-N", None).await;
    let second = app_with_workers(&app).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 14})).await;
    let (_, worker) = app.staff_token("caseworker", FUAN).await;
    let (_, approver) = app.staff_token("approver", "120101001").await;
    // 200 cases × 5 steps (submit, accept, investigate, review, approve) = 1,000 transitions.
    let mut residents = Vec::new();
    for i in 0..200 {
        let (id, t) = app.resident_login(&format!("o_k{i:03}")).await;
        consent(&app, id, 5).await;
        residents.push(t.access);
    }
    for chunk in residents.chunks(20).enumerate() {
        let (n, tokens) = chunk;
        let host = if n % 2 == 0 { &app } else { &second };
        let cases = futures_util::future::join_all(tokens.iter().enumerate().map(|(j, t)| {
            let seq = format!("{:03}", (n * 20 + j) % 1000);
            async move {
                let res = host
                    .apply(
                        t,
                        &application_body(
                            "temporary_assistance",
                            FUAN,
                            &id_number(&format!("19{:02}0101", 30 + n), &seq),
                        ),
                    )
                    .await;
                res.assert_status(201);
                res.body["id"].as_str().unwrap().to_string()
            }
        }))
        .await;
        for (action, token, extra) in [
            ("accept", &worker, json!({})),
            ("start_investigation", &worker, json!({})),
            ("submit_review", &worker, json!({"note": "属实"})),
            ("approve", &approver, json!({"amount_yuan": 600})),
        ] {
            futures_util::future::join_all(cases.iter().map(|id| {
                let extra = extra.clone();
                async move {
                    host.act(token, id, action, extra).await.assert_status(200);
                }
            }))
            .await;
        }
    }
    eventually(120, "1,000 notices", || async {
        let n = sends(&app).await.len();
        (n >= 1000).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let got = sends(&app).await;
    let unique: HashSet<(String, String)> = got
        .iter()
        .map(|b| {
            (
                b["touser"].as_str().unwrap().to_string(),
                b["data"]["phrase2"]["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got.len(), 1000, "no duplicates");
    assert_eq!(unique.len(), 1000);
    let sent = entity::notification_deliveries::Entity::find()
        .filter(entity::notification_deliveries::Column::Channel.eq("wechat"))
        .filter(entity::notification_deliveries::Column::State.eq("sent"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(sent, 1000);
    // One entry per event, plus at most one hand-on per notice that waited for an older one of
    // its case: waiting notices are not re-published pass after pass.
    let redis = app.state.redis.clone().unwrap();
    let mut conn = redis.conn().await.unwrap();
    let length: usize = conn.xlen(redis.key("notif:events")).await.unwrap();
    assert!(length <= 2000, "{length} stream entries for 1,000 events");
    drop(second);
}
