//! What the hotline tests share: signing and posting platform callbacks, and entering calls
//! as an operator.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{TestApp, TestResponse, application_body, id_number};

pub(crate) const FUAN: &str = "120101001001";
pub(crate) const XINJIN: &str = "120101001002";
pub(crate) const TAIERZHUANG: &str = "120103002001";

/// `X-Hotline-Signature` computed here from the specification, independently of the server.
pub(crate) fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The app's current signing secret.
pub(crate) fn secret(app: &TestApp) -> String {
    app.raw.hotline_signing_secret.clone().unwrap()
}

pub(crate) async fn post_raw(app: &TestApp, body: &[u8], header: Option<&str>) -> TestResponse {
    let mut req = app
        .client
        .post(app.url("/api/v1/hotline/callbacks"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(h) = header {
        req = req.header("X-Hotline-Signature", h);
    }
    tests::into_test_response(req.send().await.unwrap()).await
}

/// Posts `event` signed with the app's current secret, now.
pub(crate) async fn callback(app: &TestApp, event: &Value) -> TestResponse {
    let body = serde_json::to_vec(event).unwrap();
    let header = sign(&secret(app), Utc::now().timestamp(), &body);
    post_raw(app, &body, Some(&header)).await
}

pub(crate) fn event(id: &str, kind: &str, call: &str, at: DateTime<Utc>) -> Value {
    json!({"event_id": id, "type": kind, "call_id": call, "caller": "13900001111", "agent": "seat-07", "at": at.to_rfc3339()})
}

pub(crate) fn seconds_ago(n: i64) -> DateTime<Utc> {
    (Utc::now() - Duration::seconds(n)).trunc_subsecs(0)
}

pub(crate) async fn calls_with_platform_id(
    app: &TestApp,
    pid: &str,
) -> Vec<entity::hotline_calls::Model> {
    entity::hotline_calls::Entity::find()
        .filter(entity::hotline_calls::Column::PlatformCallId.eq(pid))
        .all(&app.state.db)
        .await
        .unwrap()
}

pub(crate) async fn enter(app: &TestApp, token: &str, body: Value) -> TestResponse {
    app.post("/api/v1/hotline/calls", Some(token), &body).await
}

/// A call entry body; `extra` is merged in.
pub(crate) fn call_body(category: &str, extra: Value) -> Value {
    let mut body = json!({
        "caller_phone": "139 0000 1111",
        "caller_name": "王小红",
        "category": category,
        "summary": "女儿来电:母亲独居,老伴住院,医药费负担很重",
    });
    if let (Some(obj), Value::Object(extra)) = (body.as_object_mut(), extra) {
        obj.extend(extra);
    }
    body
}

/// An application for the call, without a community: it comes from the call.
pub(crate) fn application_for_call(kind: &str, seq: &str) -> Value {
    let mut a = application_body(kind, FUAN, &id_number("19450302", seq));
    a.as_object_mut().unwrap().remove("community_code");
    a
}
