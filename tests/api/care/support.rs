//! What the grid-care tests share: places in the demo tree, a registration body, an app whose
//! background scanner stays out of the way, and the visit checklist answered.

use serde_json::{Value, json};
use tests::{Backend, TestApp, TestResponse};

pub(crate) const FUAN: &str = "120101001001";
pub(crate) const XINJIN: &str = "120101001002";
pub(crate) const STREET: &str = "120101001";
pub(crate) const DISTRICT: &str = "120101";
pub(crate) const GRID1: &str = "12010100100101";
pub(crate) const GRID2: &str = "12010100100102";

/// An app whose own scanner does not run during the test (tests drive `run_once`).
pub(crate) async fn quiet_app(backend: Backend) -> TestApp {
    let app = TestApp::builder(backend)
        .settings(|raw| raw.ztc_care_scan_secs = Some("86400".into()))
        .spawn()
        .await;
    app.seed_demo().await;
    app
}

/// A registration body; `extra` is merged in.
pub(crate) fn person(id_number: &str, community: &str, extra: Value) -> Value {
    let mut body = json!({
        "name": "王秀英",
        "id_number": id_number,
        "phone": "13812345678",
        "community_code": community,
        "address": "福安大街 18 号 3 门 201",
        "groups": [{"group": "elderly_alone", "tier": 1}],
        "contacts": [{"kind": "contact", "name": "王强", "relation": "儿子", "phone": "13900001111"}],
    });
    if let (Some(obj), Value::Object(extra)) = (body.as_object_mut(), extra) {
        obj.extend(extra);
    }
    body
}

pub(crate) async fn register(app: &TestApp, token: &str, body: &Value) -> TestResponse {
    app.post("/api/v1/care/people", Some(token), body).await
}

/// Registers and returns the person's id, asserting it worked.
pub(crate) async fn registered(app: &TestApp, token: &str, body: &Value) -> String {
    let res = register(app, token, body).await;
    res.assert_status(201);
    res.body["id"].as_str().unwrap().to_string()
}

/// Every item of an elderly person's checklist, found fine.
pub(crate) fn all_fine() -> Value {
    json!(
        ["health", "living", "safety", "needs"]
            .iter()
            .map(|i| json!({"item": i, "level": "ok"}))
            .collect::<Vec<_>>()
    )
}

pub(crate) async fn visit(app: &TestApp, token: &str, id: &str, body: Value) -> TestResponse {
    app.post(
        &format!("/api/v1/care/people/{id}/visits"),
        Some(token),
        &body,
    )
    .await
}
