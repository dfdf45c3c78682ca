//! Work that is never lost, only late: claimants that die before a send leave a plain retry
//! (never an "unknown outcome"), a staff notice whose re-publishes keep getting lost comes
//! round again until it is done, and a relay never runs ahead of an older event of the same
//! case that another relay holds.

use redis::AsyncCommands;
use sea_orm::EntityTrait;
use serde_json::json;
use tests::Backend;
use zhitongche::notify::{consumer, relay, store, transport::Message};

use crate::delivery::{FUAN, apply, consent, deliveries, mock_send, sends, spawn};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claimants_that_die_before_sending_never_make_a_notice_an_unknown_outcome() {
    let app = spawn(Backend::Postgres, false).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 15})).await;
    let (resident_id, resident) = app.resident_login("o_crash_before_twice").await;
    consent(&app, resident_id, 3).await;
    apply(&app, &resident.access, "776").await;
    relay::run_once(&app.state).await.unwrap();
    let id = deliveries(&app, "wechat").await[0].id;
    let lease = std::time::Duration::from_secs(1);
    // Three claimants in turn take the notice and die before it leaves; the reconciler finds
    // the first two, a consumer takes the third over directly once its lease is out.
    for _ in 0..2 {
        store::claim(&app.state.db, id, lease)
            .await
            .unwrap()
            .expect("claimed");
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        zhitongche::notify::reconciler::run_once(&app.state)
            .await
            .unwrap();
    }
    store::claim(&app.state.db, id, lease)
        .await
        .unwrap()
        .expect("claimed");
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let row = store::find(&app.state.db, id).await.unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.unknown_outcomes),
        ("sending", 0),
        "{row:?}"
    );
    assert!(matches!(
        consumer::process(&app.state, id).await.unwrap(),
        Some(store::Outcome::Sent { .. })
    ));
    assert_eq!(sends(&app).await.len(), 1, "sent, once");
    let row = store::find(&app.state.db, id).await.unwrap().unwrap();
    assert_eq!(row.unknown_outcomes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_notice_whose_consumer_died_is_published_again_until_it_is_done() {
    let app = spawn(Backend::Postgres, false).await;
    let (caseworker, _) = app.staff_token("caseworker", FUAN).await;
    let (_, resident) = app.resident_login("o_staff_stranded").await;
    apply(&app, &resident.access, "786").await;
    relay::run_once(&app.state).await.unwrap();
    let id = deliveries(&app, "staff").await[0].id;
    // Its consumer claims it and dies.
    store::claim(&app.state.db, id, std::time::Duration::from_secs(1))
        .await
        .unwrap()
        .expect("claimed");
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let redis = app.state.redis.clone().unwrap();
    // Each re-publish is lost in turn (say Redis keeps restarting empty): it comes round again.
    for round in 0..3 {
        zhitongche::notify::reconciler::run_once(&app.state)
            .await
            .unwrap();
        let mut conn = redis.conn().await.unwrap();
        let entries: redis::streams::StreamRangeReply =
            conn.xrange_all(redis.key("notif:events")).await.unwrap();
        assert!(
            entries
                .ids
                .iter()
                .any(|e| Message::from_entry(&e.map) == Some(Message::Delivery(id))),
            "round {round}: published again"
        );
        let _: () = conn.del(redis.key("notif:events")).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    }
    assert!(matches!(
        consumer::process(&app.state, id).await.unwrap(),
        Some(store::Outcome::Sent { .. })
    ));
    assert_eq!(app.inbox_of(caseworker.id).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_does_not_run_ahead_of_an_older_event_another_relay_holds() {
    use sea_orm::{QuerySelect, TransactionTrait, sea_query::LockType};
    let app = spawn(Backend::Postgres, false).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 16})).await;
    let (resident_id, resident) = app.resident_login("o_two_relays").await;
    consent(&app, resident_id, 5).await;
    let (_, worker) = app.staff_token("caseworker", FUAN).await;
    let id = apply(&app, &resident.access, "796").await;
    app.act(
        &worker,
        &id,
        "request_supplement",
        json!({"items": ["户口本"]}),
    )
    .await
    .assert_status(200);
    let events = app.outbox_of(&id).await;
    assert_eq!(events.len(), 2);
    // Relay A is part-way through a batch holding the older event…
    let relay_a = app.state.db.begin().await.unwrap();
    entity::outbox::Entity::find_by_id(events[0].id)
        .lock(LockType::Update)
        .one(&relay_a)
        .await
        .unwrap()
        .expect("locked");
    // …so relay B skips it, and must not relay the newer one ahead of it.
    assert_eq!(relay::run_once(&app.state).await.unwrap(), 0);
    assert!(app.outbox_of(&id).await[1].published_at.is_none());
    assert!(deliveries(&app, "wechat").await.is_empty());
    // Relay A gives its row back (finished or died); the next pass takes both, in order.
    relay_a.rollback().await.unwrap();
    assert_eq!(relay::run_once(&app.state).await.unwrap(), 2);
    let mut wechat = deliveries(&app, "wechat").await;
    wechat.sort_by_key(|d| d.aggregate_version);
    for d in wechat.iter().rev() {
        consumer::process(&app.state, d.id).await.unwrap();
    }
    consumer::process(&app.state, wechat[1].id).await.unwrap();
    let got: Vec<String> = sends(&app)
        .await
        .iter()
        .map(|b| b["data"]["phrase2"]["value"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, ["已提交", "待补充材料"], "both, older first");
    assert!(
        deliveries(&app, "wechat")
            .await
            .iter()
            .all(|d| d.state == "sent"),
        "nothing skipped as stale"
    );
}
