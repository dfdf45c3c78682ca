//! The notification pipeline, WeChat side: one send per transition with consent, skips,
//! dead letters, retries, per-case order, fenced claims and credits, and push confirmations.
//! What happens when things break is in `delivery_recovery`.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{Backend, TestApp, application_body, eventually, id_number, matrix::Setup};
use uuid::Uuid;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path, query_param},
};
use zhitongche::notify::{consumer, relay, store};

pub(crate) const FUAN: &str = "120101001001";
const SEND: &str = "/cgi-bin/message/subscribe/send";

/// Quick timings so retries, reclaiming and reconciling happen within a test.
pub(crate) fn fast(raw: &mut zhitongche::config::RawSettings) {
    raw.ztc_notify_retry_base_ms = Some("100".into());
    raw.ztc_notify_reconcile_ms = Some("200".into());
    raw.ztc_notify_republish_after_ms = Some("300".into());
    raw.ztc_notify_claim_idle_ms = Some("500".into());
    raw.ztc_notify_lease_secs = Some("1".into());
}

pub(crate) async fn spawn(backend: Backend, workers: bool) -> TestApp {
    spawn_in(
        Setup {
            backend,
            redis: backend == Backend::Postgres,
        },
        workers,
    )
    .await
}

/// An app in `setup` with quick timings, the demo jurisdictions and a fake WeChat token.
pub(crate) async fn spawn_in(setup: Setup, workers: bool) -> TestApp {
    let app = setup
        .builder()
        .settings(move |raw| {
            fast(raw);
            raw.ztc_notify_workers = Some(workers.to_string());
        })
        .spawn()
        .await;
    app.seed_demo().await;
    app.mock_stable_token("TOKEN-N", None).await;
    app
}

pub(crate) async fn mock_send(app: &TestApp, body: Value) {
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(query_param("access_token", "TOKEN-N"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&app.wechat)
        .await;
}

pub(crate) async fn sends(app: &TestApp) -> Vec<Value> {
    app.wechat
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == SEND)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

pub(crate) async fn deliveries(
    app: &TestApp,
    channel: &str,
) -> Vec<entity::notification_deliveries::Model> {
    entity::notification_deliveries::Entity::find()
        .filter(entity::notification_deliveries::Column::Channel.eq(channel))
        .all(&app.state.db)
        .await
        .unwrap()
}

/// Gives a resident `n` one-time credits for the progress template.
pub(crate) async fn consent(app: &TestApp, resident: Uuid, n: i32) {
    zhitongche::notify::store::change_credits(
        &app.state.db,
        resident,
        "dev-progress",
        n,
        false,
        10_000,
    )
    .await
    .unwrap();
}

pub(crate) async fn apply(app: &TestApp, token: &str, seq: &str) -> String {
    let res = app
        .apply(
            token,
            &application_body("temporary_assistance", FUAN, &id_number("19620101", seq)),
        )
        .await;
    res.assert_status(201);
    res.body["id"].as_str().unwrap().to_string()
}

async fn with_workers(setup: Setup) -> TestApp {
    spawn_in(setup, true).await
}

tests::every_setup_with! { with_workers;
    async fn each_transition_sends_the_resident_exactly_one_notice_while_consent_lasts(app) {
        mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 1988810812324364291u64})).await;
        let (_, resident) = app.resident_login("o_notice").await;
        // Two taps on "allow" in the mini-program: two notices.
        for _ in 0..2 {
            app.post("/api/v1/me/subscriptions", Some(&resident.access), &json!({"results": {"dev-progress": "accept"}})).await.assert_status(200);
        }
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let id = apply(&app, &resident.access, "701").await;
        app.act(&worker, &id, "accept", json!({})).await.assert_status(200);
        let got = eventually(15, "two WeChat notices", || async { let s = sends(&app).await; (s.len() == 2).then_some(s) }).await;
        let statuses: HashSet<&str> = got.iter().map(|b| b["data"]["phrase2"]["value"].as_str().unwrap()).collect();
        assert_eq!(statuses, HashSet::from(["已提交", "已受理"]));
        for body in &got {
            assert_eq!(body["touser"], "o_notice");
            assert_eq!(body["template_id"], "dev-progress");
            assert_eq!(body["data"]["thing1"]["value"], "临时救助");
            assert_eq!(body["miniprogram_state"], "developer");
            assert_eq!(body["page"], format!("pages/applications/detail?id={id}"));
            assert!(body["data"]["time3"]["value"].as_str().unwrap().contains('年'));
        }
        // Consent used up: the next step is recorded as skipped, WeChat is not called.
        app.act(&worker, &id, "start_investigation", json!({})).await.assert_status(200);
        eventually(15, "a skipped delivery", || async {
            deliveries(&app, "wechat").await.iter().any(|d| d.state == "skipped_no_consent").then_some(())
        }).await;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        assert_eq!(sends(&app).await.len(), 2, "no repeat and no send without consent");
        let wechat = deliveries(&app, "wechat").await;
        assert_eq!(wechat.iter().filter(|d| d.state == "sent").count(), 2);
        assert!(wechat.iter().filter(|d| d.state == "sent").all(|d| d.provider_msg_id.as_deref() == Some("1988810812324364291")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_consent_and_43101_are_skipped_and_47003_is_dead_lettered_then_retried_by_an_admin() {
    let app = spawn(Backend::Postgres, true).await;
    let (_, admin) = app.staff_token("admin", "120000").await;
    let (_, no_consent) = app.resident_login("o_nothing").await;
    let (refused_id, refused) = app.resident_login("o_refused").await;
    let (buggy_id, buggy) = app.resident_login("o_buggy").await;
    consent(&app, refused_id, 1).await;
    consent(&app, buggy_id, 1).await;
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(wiremock::matchers::body_partial_json(
            json!({"touser": "o_refused"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"errcode": 43101, "errmsg": "user refuse to accept the msg rid: 1-2"}),
        ))
        .mount(&app.wechat)
        .await;
    Mock::given(method("POST")).and(path(SEND)).and(wiremock::matchers::body_partial_json(json!({"touser": "o_buggy"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"errcode": 47003, "errmsg": "argument invalid! data.thing4.value invalid rid: 3-4"})))
        .up_to_n_times(1).with_priority(1)
        .mount(&app.wechat).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 42})).await;

    apply(&app, &no_consent.access, "711").await;
    apply(&app, &refused.access, "721").await;
    apply(&app, &buggy.access, "731").await;
    let states = eventually(15, "three outcomes", || async {
        let d = deliveries(&app, "wechat").await;
        (d.len() == 3
            && d.iter()
                .all(|d| ["skipped_no_consent", "dead"].contains(&d.state.as_str())))
        .then_some(d)
    })
    .await;
    let skipped = states
        .iter()
        .filter(|d| d.state == "skipped_no_consent")
        .count();
    assert_eq!(skipped, 2, "no consent and 43101 are normal outcomes");
    let touched: Vec<Value> = sends(&app).await;
    assert!(
        touched.iter().all(|b| b["touser"] != "o_nothing"),
        "no consent: WeChat never called"
    );
    assert_eq!(
        touched.iter().filter(|b| b["touser"] == "o_buggy").count(),
        1,
        "our bug: not retried"
    );

    let dead = app
        .get("/api/v1/admin/notifications/dead", Some(&admin))
        .await;
    dead.assert_status(200);
    let items = dead.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0]["last_error"].as_str().unwrap().contains("47003"));
    assert!(items[0]["last_error"].as_str().unwrap().contains("rid 3-4"));
    let metrics = app.get("/metrics", None).await;
    assert!(
        metrics.text.contains("ztc_notify_dead_letters 1"),
        "{}",
        metrics.text
    );

    // The template is fixed; an admin sends it again.
    let id = items[0]["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/admin/notifications/{id}/retry"),
        Some(&admin),
        &json!({}),
    )
    .await
    .assert_status(200);
    eventually(15, "the retried notice", || async {
        let d = deliveries(&app, "wechat").await;
        d.iter()
            .any(|d| d.id.to_string() == id && d.state == "sent")
            .then_some(())
    })
    .await;
    let (_, district_admin) = app.staff_token("admin", "120103").await;
    assert!(
        app.get("/api/v1/admin/notifications/dead", Some(&district_admin))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_with_backoff_and_sent_once() {
    let app = spawn(Backend::Postgres, true).await;
    let (resident_id, resident) = app.resident_login("o_flaky").await;
    consent(&app, resident_id, 2).await;
    // -1 once, then fine: the client's own busy retry absorbs it.
    Mock::given(method("POST"))
        .and(path(SEND))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"errcode": -1, "errmsg": "system error"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.wechat)
        .await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 7})).await;
    let first = apply(&app, &resident.access, "741").await;
    eventually(15, "the first notice", || async {
        deliveries(&app, "wechat")
            .await
            .iter()
            .any(|d| d.state == "sent")
            .then_some(())
    })
    .await;
    assert_eq!(sends(&app).await.len(), 2, "-1, then the successful resend");

    // A gateway error is retried by the pipeline, scheduled in the database.
    Mock::given(method("POST"))
        .and(path(SEND))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.wechat)
        .await;
    let (_, worker) = app.staff_token("caseworker", FUAN).await;
    app.act(&worker, &first, "accept", json!({}))
        .await
        .assert_status(200);
    let retried = eventually(15, "the retried notice", || async {
        let d = deliveries(&app, "wechat").await;
        d.into_iter().find(|d| d.state == "sent" && d.attempts == 2)
    })
    .await;
    assert!(
        retried.last_error.is_some(),
        "the failed attempt is recorded"
    );
    assert_eq!(sends(&app).await.len(), 4);
    let accepted: Vec<Value> = sends(&app)
        .await
        .into_iter()
        .filter(|b| b["data"]["phrase2"]["value"] == "已受理")
        .collect();
    assert_eq!(accepted.len(), 2, "one failed attempt, one success");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_confirms_a_send_by_its_msgid() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|raw| {
            fast(raw);
            raw.wechat_push_token = Some("tok".into());
        })
        .spawn()
        .await;
    app.seed_demo().await;
    app.mock_stable_token("TOKEN-N", None).await;
    mock_send(
        &app,
        json!({"errcode": 0, "errmsg": "ok", "msgid": 1988810812324364291u64}),
    )
    .await;
    let (resident_id, resident) = app.resident_login("o_confirm").await;
    consent(&app, resident_id, 1).await;
    apply(&app, &resident.access, "781").await;
    eventually(15, "the notice", || async {
        deliveries(&app, "wechat")
            .await
            .into_iter()
            .find(|d| d.state == "sent")
    })
    .await;
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = zhitongche::notify::wechat_push::signature(&["tok", &ts, "n"]);
    let event = json!({"FromUserName": "o_confirm", "CreateTime": ts, "Event": "subscribe_msg_sent_event",
                       "List": {"TemplateId": "dev-progress", "MsgID": "1988810812324364291", "ErrorCode": "0", "ErrorStatus": "success"}});
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/wechat/push?timestamp={ts}&nonce=n&signature={sig}"
        )))
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let d = deliveries(&app, "wechat").await.remove(0);
    assert!(d.confirmed_at.is_some());
}

/// A WeChat call times out after 1 s; the lease is long enough not to interfere.
async fn with_slow_wechat(setup: Setup) -> TestApp {
    let app = setup
        .builder()
        .settings(|raw| {
            fast(raw);
            raw.ztc_notify_lease_secs = Some("5".into());
            raw.wechat_timeout_secs = Some("1".into());
        })
        .spawn()
        .await;
    app.seed_demo().await;
    app.mock_stable_token("TOKEN-N", None).await;
    app
}

tests::every_setup_with! { with_slow_wechat;
    async fn a_second_unknown_outcome_dead_letters_even_with_another_error_in_between(app) {
        // Timeout, gateway error, timeout: two unknown outcomes, so no fourth try.
        let timeout = || ResponseTemplate::new(200)
            .set_body_json(json!({"errcode": 0, "errmsg": "ok", "msgid": 21}))
            .set_delay(std::time::Duration::from_secs(3));
        for (priority, answer) in [
            (1, timeout()),
            (2, ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>")),
            (3, timeout()),
        ] {
            Mock::given(method("POST")).and(path(SEND)).respond_with(answer)
                .up_to_n_times(1).with_priority(priority).mount(&app.wechat).await;
        }
        mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 22})).await;
        let (resident_id, resident) = app.resident_login("o_unknown_twice").await;
        consent(&app, resident_id, 3).await;
        apply(&app, &resident.access, "791").await;
        let dead = eventually(20, "the notice dead-lettered", || async {
            deliveries(&app, "wechat").await.into_iter().find(|d| d.state == "dead")
        })
        .await;
        assert_eq!(dead.unknown_outcomes, 2);
        assert!(dead.last_error.unwrap().contains("retried once"));
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert_eq!(sends(&app).await.len(), 3, "the first try and exactly two after the first unknown");
        assert_eq!(store::find(&app.state.db, dead.id).await.unwrap().unwrap().state, "dead");
    }
}

async fn without_workers(setup: Setup) -> TestApp {
    spawn_in(setup, false).await
}

/// Applies for one case with consent and returns its (only) WeChat delivery, not yet claimed.
async fn one_notice(app: &TestApp, openid: &str, seq: &str) -> Uuid {
    let (resident_id, resident) = app.resident_login(openid).await;
    consent(app, resident_id, 3).await;
    apply(app, &resident.access, seq).await;
    relay::run_once(&app.state).await.unwrap();
    deliveries(app, "wechat").await[0].id
}

tests::every_setup_with! { without_workers;
    async fn a_holder_whose_claim_was_taken_over_cannot_record_its_outcome(app) {
        let id = one_notice(&app, "o_fenced", "801").await;
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
        let id = one_notice(&app, "o_slow", "811").await;
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
        let id = one_notice(&app, "o_late_start", "821").await;
        // The holder was slow: its 300 ms claim is over before it gets to the send.
        let claimed = store::claim(&app.state.db, id, std::time::Duration::from_millis(300)).await.unwrap().expect("claimed");
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let attempt = zhitongche::notify::wechat_channel::deliver(&app.state, &claimed).await.unwrap();
        assert!(matches!(attempt, consumer::Attempt::NotStarted(_)), "{attempt:?}");
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
        let id = one_notice(&app, "o_marked", "826").await;
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
        assert!(matches!(attempt, consumer::Attempt::NotStarted(_)), "{attempt:?}");
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
