//! WeChat's message push: URL verification, plain and safe mode, subscription credits from
//! popup and change events, and repeats ignored.

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use serde_json::{Value, json};
use tests::{Backend, TestApp};
use zhitongche::notify::wechat_push::{seal, signature};

const TOKEN: &str = "push-token-for-tests";
const AES_KEY: [u8; 32] = [42u8; 32];

/// An app receiving pushes; with `safe`, the EncodingAESKey is configured too.
async fn app_with_push(backend: Backend, safe: bool) -> TestApp {
    TestApp::builder(backend)
        .settings(move |raw| {
            raw.wechat_push_token = Some(TOKEN.into());
            if safe {
                // The 43-character EncodingAESKey is base64 of the key without its trailing '='.
                raw.wechat_push_aes_key =
                    Some(B64.encode(AES_KEY).trim_end_matches('=').to_string());
            }
        })
        .spawn()
        .await
}

fn plain_query(ts: &str, nonce: &str) -> String {
    format!(
        "timestamp={ts}&nonce={nonce}&signature={}",
        signature(&[TOKEN, ts, nonce])
    )
}

fn safe_query(ts: &str, nonce: &str, encrypted: &str) -> String {
    format!(
        "timestamp={ts}&nonce={nonce}&encrypt_type=aes&msg_signature={}",
        signature(&[TOKEN, ts, nonce, encrypted])
    )
}

/// Now, as WeChat would stamp a push.
fn now() -> String {
    chrono::Utc::now().timestamp().to_string()
}

fn popup(created: i64, list: Value) -> Value {
    json!({
        "ToUserName": "gh_x", "FromUserName": "o_push", "CreateTime": created, "MsgType": "event",
        "Event": "subscribe_msg_popup_event", "List": list
    })
}

async fn push(app: &TestApp, query: &str, body: &Value) -> tests::TestResponse {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/wechat/push?{query}")))
        .json(body)
        .send()
        .await
        .unwrap();
    tests::into_test_response(res).await
}

async fn credits(app: &TestApp, token: &str) -> Value {
    app.get("/api/v1/me/subscriptions/templates", Some(token))
        .await
        .body["credits"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_url_check_echoes_only_for_the_right_signature() {
    let app = app_with_push(Backend::Sqlite, true).await;
    let ok = app
        .get(
            &format!(
                "/api/v1/wechat/push?{}&echostr=hello123",
                plain_query("1700000000", "n1")
            ),
            None,
        )
        .await;
    ok.assert_status(200);
    assert_eq!(ok.text, "hello123");
    let bad = app
        .get(
            "/api/v1/wechat/push?timestamp=1700000000&nonce=n1&signature=deadbeef&echostr=hello123",
            None,
        )
        .await;
    bad.assert_error(401, "invalid_signature");
    // Without a configured token the endpoint is off, and says so.
    let off = tests::spawn_app(Backend::Sqlite).await;
    off.get("/api/v1/wechat/push?echostr=x", None)
        .await
        .assert_error(503, "push_not_configured");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_pushes_add_credits_once_and_a_signature_is_good_once() {
    let app = app_with_push(Backend::Postgres, false).await;
    let (_, resident) = app.resident_login("o_push").await;
    let created = chrono::Utc::now().timestamp();
    // One template: `List` is an object.
    let one = popup(
        created,
        json!({"TemplateId": "dev-progress", "SubscribeStatusString": "accept", "PopupScene": "0"}),
    );
    let ts = now();
    let res = push(&app, &plain_query(&ts, "a"), &one).await;
    res.assert_status(200);
    assert_eq!(res.text, "success");
    assert_eq!(credits(&app, &resident.access).await["dev-progress"], 1);
    // The mini-program reports the same tap itself: acknowledged, not counted twice.
    let reported = app
        .post(
            "/api/v1/me/subscriptions",
            Some(&resident.access),
            &json!({"results": {"dev-progress": "accept"}}),
        )
        .await;
    reported.assert_status(200);
    assert_eq!(reported.body["recorded"], false);
    assert_eq!(reported.body["credits"]["dev-progress"], 1);
    // WeChat retries the same push with a new nonce: no second credit.
    push(&app, &plain_query(&now(), "b"), &one)
        .await
        .assert_status(200);
    assert_eq!(credits(&app, &resident.access).await["dev-progress"], 1);

    // The plain signature does not cover the body: someone who saw one push's query string
    // replays it with events of their own. Nothing happens.
    for i in 1..=5 {
        let forged = popup(
            created + i,
            json!({"TemplateId": "dev-progress", "SubscribeStatusString": "accept"}),
        );
        push(&app, &plain_query(&ts, "a"), &forged)
            .await
            .assert_status(200);
    }
    assert_eq!(credits(&app, &resident.access).await["dev-progress"], 1);
    // An old signature is refused outright, however valid.
    let stale = popup(
        created + 10,
        json!({"TemplateId": "dev-progress", "SubscribeStatusString": "accept"}),
    );
    push(&app, &plain_query("1600000000", "old"), &stale)
        .await
        .assert_error(401, "invalid_signature");
    assert_eq!(credits(&app, &resident.access).await["dev-progress"], 1);

    // Unsubscribing from the card removes the credits.
    let change = json!({
        "FromUserName": "o_push", "CreateTime": created + 20, "Event": "subscribe_msg_change_event",
        "List": {"TemplateId": "dev-progress", "SubscribeStatusString": "reject"}
    });
    push(&app, &plain_query(&now(), "d"), &change)
        .await
        .assert_status(200);
    assert_eq!(credits(&app, &resident.access).await["dev-progress"], 0);

    // A ban the mini-program reports counts even though pushes are configured: the push
    // that would say so may never come.
    let again = popup(
        created + 30,
        json!({"TemplateId": "dev-progress", "SubscribeStatusString": "accept"}),
    );
    push(&app, &plain_query(&now(), "e"), &again)
        .await
        .assert_status(200);
    assert_eq!(credits(&app, &resident.access).await["dev-progress"], 1);
    let banned = app
        .post(
            "/api/v1/me/subscriptions",
            Some(&resident.access),
            &json!({"results": {"dev-progress": "ban"}}),
        )
        .await;
    banned.assert_status(200);
    assert_eq!(banned.body["credits"]["dev-progress"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_aes_key_only_encrypted_pushes_count() {
    let app = app_with_push(Backend::Postgres, true).await;
    let (_, resident) = app.resident_login("o_push").await;
    let created = chrono::Utc::now().timestamp();
    // Safe mode, several templates: `List` is an array.
    let two = popup(
        created,
        json!([
            {"TemplateId": "dev-progress", "SubscribeStatusString": "accept", "PopupScene": "0"},
            {"TemplateId": "other-tmpl", "SubscribeStatusString": "reject", "PopupScene": "0"}
        ]),
    );
    let encrypted = seal(&AES_KEY, &two.to_string(), "wxtestappid");
    let ts = now();
    push(
        &app,
        &safe_query(&ts, "c", &encrypted),
        &json!({"ToUserName": "gh_x", "Encrypt": encrypted}),
    )
    .await
    .assert_status(200);
    assert_eq!(credits(&app, &resident.access).await["dev-progress"], 1);

    // A correctly signed plain push is not believed once the key is set.
    let plain = popup(
        created + 1,
        json!({"TemplateId": "dev-progress", "SubscribeStatusString": "accept"}),
    );
    push(&app, &plain_query(&now(), "p"), &plain)
        .await
        .assert_error(401, "encrypted_push_required");
    // A forged msg_signature, a message sealed for another app, or an old timestamp: no effect.
    let forged = format!(
        "timestamp={ts}&nonce=c2&encrypt_type=aes&msg_signature={}",
        "0".repeat(40)
    );
    push(&app, &forged, &json!({"Encrypt": encrypted}))
        .await
        .assert_error(401, "invalid_signature");
    let foreign = seal(&AES_KEY, &plain.to_string(), "wxsomeoneelse");
    push(
        &app,
        &safe_query(&now(), "f", &foreign),
        &json!({"Encrypt": foreign}),
    )
    .await
    .assert_error(401, "invalid_signature");
    let late = seal(&AES_KEY, &plain.to_string(), "wxtestappid");
    push(
        &app,
        &safe_query("1600000000", "l", &late),
        &json!({"Encrypt": late}),
    )
    .await
    .assert_error(401, "invalid_signature");
    assert_eq!(credits(&app, &resident.access).await["dev-progress"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn residents_record_consent_for_known_templates_only() {
    let app = tests::spawn_app(Backend::Sqlite).await;
    let (_, resident) = app.resident_login("o_consent").await;
    let templates = app
        .get("/api/v1/me/subscriptions/templates", Some(&resident.access))
        .await;
    templates.assert_status(200);
    assert_eq!(templates.body["template_ids"], json!(["dev-progress"]));
    let res = app
        .post(
            "/api/v1/me/subscriptions",
            Some(&resident.access),
            &json!({"results": {"dev-progress": "accept"}}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.body["credits"]["dev-progress"], 1);
    assert_eq!(res.body["recorded"], true);
    app.post(
        "/api/v1/me/subscriptions",
        Some(&resident.access),
        &json!({"results": {"dev-progress": "accept"}}),
    )
    .await;
    assert_eq!(credits(&app, &resident.access).await["dev-progress"], 2);
    let bad = app
        .post(
            "/api/v1/me/subscriptions",
            Some(&resident.access),
            &json!({"results": {"nope": "accept", "dev-progress": "maybe"}}),
        )
        .await;
    bad.assert_error(422, "validation_failed");
    app.post(
        "/api/v1/me/subscriptions",
        Some(&resident.access),
        &json!({"results": {"dev-progress": "ban"}}),
    )
    .await
    .assert_status(200);
    assert_eq!(credits(&app, &resident.access).await["dev-progress"], 0);
}

tests::both_backends! {
    async fn concurrent_consent_taps_are_all_counted(app) {
        let (resident_id, resident) = app.resident_login("o_many_taps").await;
        let tap = json!({"results": {"dev-progress": "accept"}});
        let taps = (0..20).map(|_| app.post("/api/v1/me/subscriptions", Some(&resident.access), &tap));
        for res in futures_util::future::join_all(taps).await {
            res.assert_status(200);
        }
        assert_eq!(credits(&app, &resident.access).await["dev-progress"], 20);
        // Still capped.
        zhitongche::notify::store::change_credits(&app.state.db, resident_id, "dev-progress", 5, false, 21).await.unwrap();
        assert_eq!(credits(&app, &resident.access).await["dev-progress"], 21);
    }
}
