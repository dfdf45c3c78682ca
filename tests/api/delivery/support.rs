//! What the delivery tests share: an app with quick pipeline timings and a fake WeChat that
//! takes sends, residents who consent and apply, and the deliveries and sends that follow.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use tests::{Backend, TestApp, application_body, eventually, id_number, matrix::Setup};
use uuid::Uuid;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path, query_param},
};
use zhitongche::{config::RawSettings, notify::relay};

pub(crate) const FUAN: &str = "120101001001";
pub(crate) const SEND: &str = "/cgi-bin/message/subscribe/send";

/// Quick timings so retries, reclaiming and reconciling happen within a test.
pub(crate) fn fast(raw: &mut RawSettings) {
    raw.ztc_notify_retry_base_ms = Some("100".into());
    raw.ztc_notify_reconcile_ms = Some("200".into());
    raw.ztc_notify_republish_after_ms = Some("300".into());
    raw.ztc_notify_claim_idle_ms = Some("500".into());
    raw.ztc_notify_lease_secs = Some("1".into());
}

/// An app with quick timings adjusted by `tweak`, the demo jurisdictions, and WeChat handing
/// out `TOKEN-N`.
pub(crate) async fn spawn_with(
    setup: Setup,
    tweak: impl FnOnce(&mut RawSettings) + Send + 'static,
) -> TestApp {
    let app = setup
        .builder()
        .settings(move |raw| {
            fast(raw);
            tweak(raw);
        })
        .spawn()
        .await;
    app.seed_demo().await;
    app.mock_stable_token("TOKEN-N", None).await;
    app
}

/// Like `spawn_with`, running the pipeline's workers or not, in `setup`.
pub(crate) async fn spawn_in(setup: Setup, workers: bool) -> TestApp {
    spawn_with(setup, move |raw| {
        raw.ztc_notify_workers = Some(workers.to_string());
    })
    .await
}

/// `spawn_in` on a backend as `both_backends!` runs it (PostgreSQL with Redis).
pub(crate) async fn spawn(backend: Backend, workers: bool) -> TestApp {
    let setup = Setup {
        backend,
        redis: backend == Backend::Postgres,
    };
    spawn_in(setup, workers).await
}

pub(crate) async fn mock_send(app: &TestApp, body: Value) {
    Mock::given(method("POST"))
        .and(path(SEND))
        .and(query_param("access_token", "TOKEN-N"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&app.wechat)
        .await;
}

/// The subscribe messages the fake WeChat was asked to send, oldest first.
pub(crate) async fn sends(app: &TestApp) -> Vec<Value> {
    app.wechat_requests(SEND)
        .await
        .into_iter()
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

/// Waits up to `secs` seconds for a WeChat delivery in `state`, and returns it.
pub(crate) async fn wechat_delivery_in(
    app: &TestApp,
    state: &str,
    secs: u64,
    what: &str,
) -> entity::notification_deliveries::Model {
    eventually(secs, what, || async {
        deliveries(app, "wechat")
            .await
            .into_iter()
            .find(|d| d.state == state)
    })
    .await
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

/// A resident `openid` given `credits` consents applies for one case and the relay runs once;
/// returns the case's (only) WeChat delivery, not yet claimed.
pub(crate) async fn one_notice(app: &TestApp, openid: &str, seq: &str, credits: i32) -> Uuid {
    let (resident_id, resident) = app.resident_login(openid).await;
    consent(app, resident_id, credits).await;
    apply(app, &resident.access, seq).await;
    relay::run_once(&app.state).await.unwrap();
    deliveries(app, "wechat").await[0].id
}

/// A second instance on the same database and Redis that runs the pipeline (and uses the
/// first one's fake WeChat).
pub(crate) async fn app_with_workers(app: &TestApp) -> TestApp {
    let mut raw = app.raw.clone();
    raw.ztc_notify_workers = Some("true".into());
    app.another_instance_with(raw).await
}
