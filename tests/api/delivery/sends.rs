//! The pipeline running on its own: one notice per transition while consent lasts, skips and
//! dead letters (retried by an admin), transient failures retried, unknown outcomes bounded,
//! and WeChat confirming a send by its msgid.

use std::collections::HashSet;

use serde_json::{Value, json};
use tests::{Backend, TestApp, eventually, matrix::Setup};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};
use zhitongche::notify::store;

use super::support::{
    FUAN, SEND, apply, consent, deliveries, mock_send, sends, spawn, spawn_in, spawn_with,
    wechat_delivery_in,
};

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
        wechat_delivery_in(&app, "skipped_no_consent", 15, "a skipped delivery").await;
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
    wechat_delivery_in(&app, "sent", 15, "the first notice").await;
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
async fn wechat_confirms_a_send_by_its_msgid() {
    let app = spawn_with(Setup::SQLITE, |raw| {
        raw.wechat_push_token = Some("tok".into());
    })
    .await;
    mock_send(
        &app,
        json!({"errcode": 0, "errmsg": "ok", "msgid": 1988810812324364291u64}),
    )
    .await;
    let (resident_id, resident) = app.resident_login("o_confirm").await;
    consent(&app, resident_id, 1).await;
    apply(&app, &resident.access, "781").await;
    wechat_delivery_in(&app, "sent", 15, "the notice").await;
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
    spawn_with(setup, |raw| {
        raw.ztc_notify_lease_secs = Some("5".into());
        raw.wechat_timeout_secs = Some("1".into());
    })
    .await
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
        let dead = wechat_delivery_in(&app, "dead", 20, "the notice dead-lettered").await;
        assert_eq!(dead.unknown_outcomes, 2);
        assert!(dead.last_error.unwrap().contains("retried once"));
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert_eq!(sends(&app).await.len(), 3, "the first try and exactly two after the first unknown");
        assert_eq!(store::find(&app.state.db, dead.id).await.unwrap().unwrap().state, "dead");
    }
}
