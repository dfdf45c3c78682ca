//! One delivery at a time, driven by hand (no workers): per-case order, a claim taken over
//! fences off its late holder, claims that run out stop waiting or never start, credits spent
//! only with the delivery, and send latency counted from the event's commit.

use serde_json::json;
use tests::{Backend, TestApp, eventually, matrix::Setup};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};
use zhitongche::notify::{consumer, relay, store};

use super::support::{
    FUAN, SEND, apply, consent, deliveries, mock_send, one_notice, sends, spawn, spawn_in,
};

async fn without_workers(setup: Setup) -> TestApp {
    spawn_in(setup, false).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_of_one_case_go_out_in_order_and_an_older_one_never_follows_a_newer() {
    let app = spawn(Backend::Sqlite, false).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 9})).await;
    let (resident_id, resident) = app.resident_login("o_order").await;
    consent(&app, resident_id, 5).await;
    let (_, worker) = app.staff_token("caseworker", FUAN).await;
    let id = apply(&app, &resident.access, "751").await;
    app.act(&worker, &id, "accept", json!({}))
        .await
        .assert_status(200);
    relay::run_once(&app.state).await.unwrap();
    let mut wechat = deliveries(&app, "wechat").await;
    wechat.sort_by_key(|d| d.aggregate_version);
    assert_eq!(wechat.len(), 2);
    // The newer notice is picked up first (say the older one's consumer was slow): it waits.
    assert_eq!(
        consumer::process(&app.state, wechat[1].id).await.unwrap(),
        None
    );
    assert!(sends(&app).await.is_empty());
    assert!(matches!(
        consumer::process(&app.state, wechat[0].id).await.unwrap(),
        Some(store::Outcome::Sent { .. })
    ));
    assert!(matches!(
        consumer::process(&app.state, wechat[1].id).await.unwrap(),
        Some(store::Outcome::Sent { .. })
    ));
    let order: Vec<String> = sends(&app)
        .await
        .iter()
        .map(|b| b["data"]["phrase2"]["value"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order, ["已提交", "已受理"]);
    // Should the older one ever come round again, it is dropped, not sent after the newer.
    {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
        let mut older = store::find(&app.state.db, wechat[0].id)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        older.state = Set("pending".into());
        older.update(&app.state.db).await.unwrap();
    }
    assert_eq!(
        consumer::process(&app.state, wechat[0].id).await.unwrap(),
        Some(store::Outcome::SkippedStale)
    );
    assert_eq!(sends(&app).await.len(), 2);
}

tests::every_setup_with! { without_workers;
    async fn a_notice_waiting_behind_an_older_one_is_handed_on_by_it_not_polled(app) {
        mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 10})).await;
        let (resident_id, resident) = app.resident_login("o_waiting").await;
        consent(&app, resident_id, 5).await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let id = apply(&app, &resident.access, "756").await;
        app.act(&worker, &id, "accept", json!({})).await.assert_status(200);
        relay::run_once(&app.state).await.unwrap();
        let mut wechat = deliveries(&app, "wechat").await;
        wechat.sort_by_key(|d| d.aggregate_version);
        let (older, newer) = (wechat[0].id, wechat[1].id);
        // The newer notice is picked up first: it waits for the older one.
        assert_eq!(consumer::process(&app.state, newer).await.unwrap(), None);
        let waiting = store::find(&app.state.db, newer).await.unwrap().unwrap();
        assert_eq!(waiting.state, "waiting");
        // Pass after pass, the reconciler publishes the older notice and the caseworker's inbox
        // notice (whose messages no consumer took: it takes them for lost), once per interval;
        // the waiting one not at all.
        let mut published = Vec::new();
        for _ in 0..3 {
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            published.push(zhitongche::notify::reconciler::run_once(&app.state).await.unwrap());
        }
        assert_eq!(published, [2, 2, 2]);
        assert_eq!(store::find(&app.state.db, newer).await.unwrap().unwrap(), waiting, "untouched");
        // The older one's completion makes the newer one due.
        assert!(matches!(consumer::process(&app.state, older).await.unwrap(), Some(store::Outcome::Sent { .. })));
        assert_eq!(store::find(&app.state.db, newer).await.unwrap().unwrap().state, "pending");
        assert!(matches!(consumer::process(&app.state, newer).await.unwrap(), Some(store::Outcome::Sent { .. })));
        let order: Vec<String> = sends(&app).await.iter()
            .map(|b| b["data"]["phrase2"]["value"].as_str().unwrap().to_string()).collect();
        assert_eq!(order, ["已提交", "已受理"]);
    }
}

tests::every_setup_with! { without_workers;
    async fn a_holder_whose_claim_was_taken_over_cannot_record_its_outcome(app) {
        let id = one_notice(&app, "o_fenced", "801", 3).await;
        let lease = std::time::Duration::from_secs(1);
        let first = store::claim(&app.state.db, id, lease).await.unwrap().expect("claimed");
        // The first holder's lease runs out; the reconciler hands the notice on.
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        zhitongche::notify::reconciler::run_once(&app.state).await.unwrap();
        let second = store::claim(&app.state.db, id, lease).await.unwrap().expect("claimed again");
        assert!(second.attempts > first.attempts);
        let late = store::Outcome::Sent { provider_msg_id: Some("late".into()) };
        assert!(!store::record(&app.state.db, &first, &late).await.unwrap(), "the late holder is fenced off");
        let row = store::find(&app.state.db, id).await.unwrap().unwrap();
        assert_eq!((row.state.as_str(), row.provider_msg_id), ("sending", None));
        let current = store::Outcome::Sent { provider_msg_id: Some("current".into()) };
        assert!(store::record(&app.state.db, &second, &current).await.unwrap());
        let row = store::find(&app.state.db, id).await.unwrap().unwrap();
        assert_eq!(row.provider_msg_id.as_deref(), Some("current"));
    }

    async fn a_consumer_waiting_on_a_slow_wechat_keeps_its_claim(app) {
        Mock::given(method("POST")).and(path(SEND))
            .respond_with(ResponseTemplate::new(200)
                .set_body_json(json!({"errcode": 0, "errmsg": "ok", "msgid": 31}))
                .set_delay(std::time::Duration::from_secs(3)))
            .mount(&app.wechat).await;
        let id = one_notice(&app, "o_slow", "811", 3).await;
        let state = app.state.clone();
        let sending = tokio::spawn(async move { consumer::process(&state, id).await.unwrap() });
        eventually(15, "the request at WeChat", || async { (!sends(&app).await.is_empty()).then_some(()) }).await;
        // Three times the 1 s lease later the consumer is still waiting, and renewing: nobody
        // takes the notice over or calls its outcome unknown.
        for _ in 0..3 {
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
            zhitongche::notify::reconciler::run_once(&app.state).await.unwrap();
            let row = store::find(&app.state.db, id).await.unwrap().unwrap();
            assert!(row.state == "sending" || row.state == "sent", "{row:?}");
            assert_eq!(row.unknown_outcomes, 0);
        }
        assert!(matches!(sending.await.unwrap(), Some(store::Outcome::Sent { .. })));
        assert_eq!(sends(&app).await.len(), 1);
    }

    async fn a_claim_that_ran_out_before_sending_does_not_send(app) {
        mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 32})).await;
        let id = one_notice(&app, "o_late_start", "821", 3).await;
        // The holder was slow: its 300 ms claim is over before it gets to the send.
        let claimed = store::claim(&app.state.db, id, std::time::Duration::from_millis(300)).await.unwrap().expect("claimed");
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let attempt = zhitongche::notify::wechat_channel::deliver(&app.state, &claimed).await.unwrap();
        assert!(matches!(attempt, zhitongche::notify::attempt::Attempt::NotStarted(_)), "{attempt:?}");
        assert!(sends(&app).await.is_empty(), "WeChat is not called");
        let row = store::find(&app.state.db, id).await.unwrap().unwrap();
        assert!(row.send_started_at.is_none(), "no send marked as started");
    }

    async fn a_send_is_marked_as_started_before_it_leaves(app) {
        Mock::given(method("POST")).and(path(SEND))
            .respond_with(ResponseTemplate::new(200)
                .set_body_json(json!({"errcode": 0, "errmsg": "ok", "msgid": 33}))
                .set_delay(std::time::Duration::from_millis(200)))
            .mount(&app.wechat).await;
        let id = one_notice(&app, "o_marked", "826", 3).await;
        let before = store::find(&app.state.db, id).await.unwrap().unwrap();
        assert!(before.send_started_at.is_none());
        let state = app.state.clone();
        let sending = tokio::spawn(async move { consumer::process(&state, id).await.unwrap() });
        eventually(15, "the request at WeChat", || async { (!sends(&app).await.is_empty()).then_some(()) }).await;
        // Whatever happens to the consumer now, the row says the send may have left.
        let during = store::find(&app.state.db, id).await.unwrap().unwrap();
        assert!(during.send_started_at.is_some(), "{during:?}");
        assert!(matches!(sending.await.unwrap(), Some(store::Outcome::Sent { .. })));
    }
}

tests::every_setup_with! { without_workers;
    async fn a_credit_is_spent_only_together_with_marking_the_delivery(app) {
        mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 41})).await;
        let (resident_id, resident) = app.resident_login("o_one_credit").await;
        consent(&app, resident_id, 1).await;
        apply(&app, &resident.access, "831").await;
        relay::run_once(&app.state).await.unwrap();
        let id = deliveries(&app, "wechat").await[0].id;
        let lease = std::time::Duration::from_secs(5);
        let stale = store::claim(&app.state.db, id, lease).await.unwrap().expect("claimed");
        // Someone else holds the claim by the time this holder spends the credit.
        {
            use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
            let mut m = stale.clone().into_active_model();
            m.attempts = Set(stale.attempts + 1);
            m.update(&app.state.db).await.unwrap();
        }
        let attempt = zhitongche::notify::wechat_channel::deliver(&app.state, &stale).await.unwrap();
        assert!(matches!(attempt, zhitongche::notify::attempt::Attempt::NotStarted(_)), "{attempt:?}");
        assert!(sends(&app).await.is_empty());
        let credits = store::credits_of(&app.state.db, resident_id).await.unwrap();
        assert_eq!(credits[0].credits, 1, "the credit is still there");
        assert!(!store::find(&app.state.db, id).await.unwrap().unwrap().credit_consumed);
    }
}

tests::every_setup_with! { without_workers;
    async fn send_latency_counts_from_the_events_commit_not_from_the_relay(app) {
        mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 61})).await;
        let (resident_id, resident) = app.resident_login("o_latency").await;
        consent(&app, resident_id, 1).await;
        apply(&app, &resident.access, "861").await;
        // The relay is late by more than a second.
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        relay::run_once(&app.state).await.unwrap();
        let id = deliveries(&app, "wechat").await[0].id;
        assert!(matches!(consumer::process(&app.state, id).await.unwrap(), Some(store::Outcome::Sent { .. })));
        let metrics = app.get("/metrics", None).await.text;
        let sum: f64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix("ztc_notify_send_latency_seconds_sum "))
            .expect("the latency histogram")
            .parse()
            .unwrap();
        assert!(sum >= 1.2, "latency {sum} s leaves out the time before the relay");
    }
}
