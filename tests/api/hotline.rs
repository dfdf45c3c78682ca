//! The hotline: signed platform callbacks (authenticity, idempotency, order), operator call
//! entry joined with the platform's calls, cases opened on a caller's behalf, help requests as
//! community tasks, caller history, and jurisdiction limits.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{Backend, TestApp, TestResponse, application_body, both_backends, id_number};

pub(crate) const FUAN: &str = "120101001001";
pub(crate) const XINJIN: &str = "120101001002";
pub(crate) const TAIERZHUANG: &str = "120103002001";
const PREVIOUS_SECRET: &str = "previous-hotline-secret-0001";

/// `X-Hotline-Signature` computed here from the specification, independently of the server.
pub(crate) fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn secret(app: &TestApp) -> String {
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

async fn callback_event_count(app: &TestApp) -> u64 {
    entity::hotline_callback_events::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn signed_callbacks_only(app: TestApp) {
    app.seed_demo().await;
    let current = secret(&app);
    let now = Utc::now().timestamp();
    let body = |n: &str| {
        serde_json::to_vec(&event(
            &format!("evt-{n}"),
            "call.started",
            &format!("call-{n}"),
            seconds_ago(5),
        ))
        .unwrap()
    };
    let valid = body("valid");
    let tampered_source = body("tamper1");
    let mut tampered = tampered_source.clone();
    let at = tampered.windows(7).position(|w| w == b"tamper1").unwrap();
    tampered[at + 6] = b'2';
    let sig_of = |b: &[u8]| {
        sign(&current, now, b)
            .split_once(",v1=")
            .unwrap()
            .1
            .to_string()
    };
    let cases: Vec<(&str, Vec<u8>, Option<String>, u16)> = vec![
        (
            "current secret",
            valid.clone(),
            Some(sign(&current, now, &valid)),
            200,
        ),
        (
            "rotated-out secret",
            body("previous"),
            Some(sign(PREVIOUS_SECRET, now, &body("previous"))),
            200,
        ),
        (
            "just inside the window",
            body("edge"),
            Some(sign(&current, now - 290, &body("edge"))),
            200,
        ),
        (
            "wrong secret",
            body("wrong"),
            Some(sign("not-the-hotline-secret-01", now, &body("wrong"))),
            401,
        ),
        (
            "one byte changed",
            tampered.clone(),
            Some(sign(&current, now, &tampered_source)),
            401,
        ),
        (
            "signed too long ago",
            body("old"),
            // Well outside the ±300 s window: a loaded machine may take seconds to deliver.
            Some(sign(&current, now - 330, &body("old"))),
            401,
        ),
        (
            "signed in the future",
            body("future"),
            Some(sign(&current, now + 330, &body("future"))),
            401,
        ),
        ("no header", body("missing"), None, 401),
        (
            "no timestamp",
            body("not"),
            Some(format!("v1={}", sig_of(&body("not")))),
            401,
        ),
        ("no signature", body("nov1"), Some(format!("t={now}")), 401),
        ("bare hex", body("bare"), Some(sig_of(&body("bare"))), 401),
        (
            "timestamp not a number",
            body("nan"),
            Some(format!("t=soon,v1={}", sig_of(&body("nan")))),
            401,
        ),
        (
            "short signature",
            body("short"),
            Some(format!("t={now},v1={}", &sig_of(&body("short"))[..40])),
            401,
        ),
    ];
    for (what, body, header, expected) in &cases {
        let res = post_raw(&app, body, header.as_deref()).await;
        if *expected == 200 {
            res.assert_status(200);
            assert_eq!(res.body["status"], "processed", "{what}: {}", res.text);
        } else {
            assert_eq!(res.status.as_u16(), 401, "{what}: {}", res.text);
            res.assert_error(401, "invalid_signature");
        }
    }
    // Only the validly signed events took effect.
    for (pid, present) in [
        ("call-valid", true),
        ("call-previous", true),
        ("call-edge", true),
        ("call-wrong", false),
        ("call-tamper1", false),
        ("call-tamper2", false),
        ("call-old", false),
        ("call-future", false),
        ("call-missing", false),
        ("call-not", false),
        ("call-nov1", false),
        ("call-bare", false),
        ("call-nan", false),
        ("call-short", false),
    ] {
        assert_eq!(
            calls_with_platform_id(&app, pid).await.len(),
            usize::from(present),
            "{pid}"
        );
    }
    assert_eq!(callback_event_count(&app).await, 3);
    // The rotated-out secret stops working once it is no longer configured.
    let only_current = TestApp::builder(app.backend).spawn().await;
    let b = body("gone");
    post_raw(&only_current, &b, Some(&sign(PREVIOUS_SECRET, now, &b)))
        .await
        .assert_error(401, "invalid_signature");
}

mod callbacks_take_effect_only_when_signed_with_the_current_or_previous_secret_inside_the_window {
    use super::*;

    async fn app(backend: Backend) -> TestApp {
        TestApp::builder(backend)
            .settings(|raw| raw.hotline_signing_secret_previous = Some(PREVIOUS_SECRET.into()))
            .spawn()
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        signed_callbacks_only(app(Backend::Sqlite).await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        signed_callbacks_only(app(Backend::Postgres).await).await;
    }
}

both_backends! {
    async fn the_same_event_posted_fifty_times_at_once_takes_effect_exactly_once(app) {
        app.seed_demo().await;
        let started = seconds_ago(60);
        let mut ended = event("evt-burst", "call.ended", "call-burst", started + Duration::seconds(42));
        ended["duration_s"] = json!(42);
        let body = serde_json::to_vec(&ended).unwrap();
        let header = sign(&secret(&app), Utc::now().timestamp(), &body);
        let posts = (0..50).map(|_| post_raw(&app, &body, Some(&header)));
        let answers = futures_util::future::join_all(posts).await;
        assert!(answers.iter().all(|r| r.status == 200), "{:?}", answers.iter().map(|r| &r.text).collect::<Vec<_>>());
        let processed = answers.iter().filter(|r| r.body["status"] == "processed").count();
        assert_eq!(processed, 1);
        assert_eq!(answers.iter().filter(|r| r.body["status"] == "duplicate").count(), 49);
        let calls = calls_with_platform_id(&app, "call-burst").await;
        assert_eq!(calls.len(), 1);
        assert!(answers.iter().all(|r| r.body["call_id"] == calls[0].id.to_string()));
        assert_eq!(callback_event_count(&app).await, 1);
        assert_eq!(calls[0].duration_s, Some(42));
        // A replay much later still answers 200 and changes nothing.
        let replay = callback(&app, &ended).await;
        replay.assert_status(200);
        assert_eq!(replay.body["status"], "duplicate");
        assert_eq!(calls_with_platform_id(&app, "call-burst").await, calls);
    }

    async fn an_ended_event_before_its_started_event_still_makes_one_correct_call(app) {
        app.seed_demo().await;
        let start = seconds_ago(300);
        let end = start + Duration::seconds(95);
        // With a duration: the start is derived first, then replaced by the platform's own.
        let mut ended = event("evt-e1", "call.ended", "call-late-start", end);
        ended["duration_s"] = json!(90);
        callback(&app, &ended).await.assert_status(200);
        let early = &calls_with_platform_id(&app, "call-late-start").await[0];
        assert_eq!(early.ended_at, Some(end));
        assert_eq!(early.started_at, Some(end - Duration::seconds(90)));
        callback(&app, &event("evt-s1", "call.started", "call-late-start", start)).await.assert_status(200);
        let mut rec = event("evt-r1", "call.recording_ready", "call-late-start", end + Duration::seconds(20));
        rec["recording_url"] = json!("https://recordings.hotline.example/2026/call-late-start.mp3");
        callback(&app, &rec).await.assert_status(200);
        let calls = calls_with_platform_id(&app, "call-late-start").await;
        assert_eq!(calls.len(), 1);
        let call = &calls[0];
        assert_eq!(call.started_at, Some(start));
        assert_eq!(call.started_source.as_deref(), Some("platform"));
        assert_eq!(call.ended_at, Some(end));
        assert_eq!(call.duration_s, Some(90), "the platform's duration is kept");
        assert_eq!(call.recording_url.as_deref(), Some("https://recordings.hotline.example/2026/call-late-start.mp3"));
        assert_eq!(call.caller_phone_masked.as_deref(), Some("139****1111"));
        assert!(!call.caller_phone_enc.clone().unwrap().contains("13900001111"));

        // Without a duration: it is computed once the start is known.
        callback(&app, &event("evt-e2", "call.ended", "call-no-duration", end)).await.assert_status(200);
        callback(&app, &event("evt-s2", "call.started", "call-no-duration", start)).await.assert_status(200);
        let call = &calls_with_platform_id(&app, "call-no-duration").await[0];
        assert_eq!((call.started_at, call.ended_at, call.duration_s), (Some(start), Some(end), Some(95)));

        // A platform event that is signed but not sensible is refused with every field named.
        let bad = json!({"event_id": "", "type": "call.paused", "call_id": "a b", "caller": "123", "at": "yesterday", "duration_s": -1});
        let res = callback(&app, &bad).await;
        res.assert_error(422, "validation_failed");
        for field in ["event_id", "type", "call_id", "caller", "at", "duration_s"] {
            assert!(res.body["error"]["fields"][field].is_string(), "{field}: {}", res.text);
        }
        // Unix seconds are accepted for `at` too.
        let mut unix = event("evt-unix", "call.started", "call-unix", start);
        unix["at"] = json!(start.timestamp());
        callback(&app, &unix).await.assert_status(200);
        assert_eq!(calls_with_platform_id(&app, "call-unix").await[0].started_at, Some(start));
    }

    async fn an_operator_entry_and_the_platforms_events_join_into_one_call_whichever_comes_first(app) {
        app.seed_demo().await;
        let (operator, op) = app.staff_token("operator", "120000").await;
        let start = seconds_ago(120);

        // Platform first, then the operator.
        let first = callback(&app, &event("evt-a1", "call.started", "pf-0001", start)).await;
        first.assert_status(200);
        let entered = enter(&app, &op, call_body("inquiry", json!({"platform_call_id": "pf-0001", "started_at": seconds_ago(30).to_rfc3339(), "community_code": FUAN}))).await;
        entered.assert_status(201);
        assert_eq!(entered.body["call"]["id"], first.body["call_id"]);
        assert_eq!(entered.body["call"]["operator"]["id"], operator.id.to_string());
        assert_eq!(entered.body["call"]["category"], "inquiry");
        assert_eq!(entered.body["call"]["state"], "in_progress");
        let calls = calls_with_platform_id(&app, "pf-0001").await;
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].started_at, Some(start), "the platform's start wins over the operator's");
        assert_eq!(calls[0].agent.as_deref(), Some("seat-07"));
        assert!(calls[0].jurisdiction_path.ends_with("/120101001001/"));
        // The same platform call cannot be entered twice.
        let twice = enter(&app, &op, call_body("inquiry", json!({"platform_call_id": "pf-0001"}))).await;
        twice.assert_error(409, "call_already_entered");
        assert_eq!(twice.body["error"]["details"]["call_id"], first.body["call_id"]);
        // An operator of another district learns that it exists, not where to find it.
        let (_, hexi_op) = app.staff_token("operator", "120103").await;
        let elsewhere = enter(&app, &hexi_op, call_body("inquiry", json!({"platform_call_id": "pf-0001"}))).await;
        elsewhere.assert_error(409, "call_already_entered");
        assert!(elsewhere.body["error"]["details"].is_null(), "{}", elsewhere.text);

        // Operator first, then the platform.
        let typed = seconds_ago(400);
        let entered = enter(&app, &op, call_body("complaint", json!({"platform_call_id": "pf-0002", "started_at": typed.to_rfc3339()}))).await;
        entered.assert_status(201);
        assert_eq!(entered.body["call"]["state"], "unknown");
        assert_eq!(calls_with_platform_id(&app, "pf-0002").await[0].started_at, Some(typed));
        let mut ended = event("evt-b2", "call.ended", "pf-0002", start + Duration::seconds(80));
        ended["duration_s"] = json!(80);
        let answer = callback(&app, &ended).await;
        answer.assert_status(200);
        assert_eq!(answer.body["call_id"], entered.body["call"]["id"]);
        callback(&app, &event("evt-b1", "call.started", "pf-0002", start)).await.assert_status(200);
        let calls = calls_with_platform_id(&app, "pf-0002").await;
        assert_eq!(calls.len(), 1);
        let call = &calls[0];
        assert_eq!(call.started_at, Some(start));
        assert_eq!(call.duration_s, Some(80));
        assert_eq!(call.category.as_deref(), Some("complaint"));
        assert_eq!(call.operator_id, Some(operator.id));
        let shown = app.get(&format!("/api/v1/hotline/calls/{}", call.id), Some(&op)).await;
        shown.assert_status(200);
        assert_eq!(shown.body["state"], "ended");
        assert_eq!(shown.body["caller_phone"], "139****1111");
        assert_eq!(shown.body["caller_name"], "王**");
        // Administrators manage the system; callers' words are not theirs to read.
        let (_, admin) = app.staff_token("admin", "120000").await;
        app.get(&format!("/api/v1/hotline/calls/{}", call.id), Some(&admin)).await.assert_error(403, "role_not_allowed");
    }

    async fn an_urgent_call_opens_a_case_on_the_aid_first_path(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120000").await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let mut application = application_for_call("temporary_assistance", "034");
        application["description"] = json!("家中突发火灾,无处居住");
        let res = enter(&app, &op, call_body("help", json!({"urgent": true, "community_code": FUAN, "application": application}))).await;
        res.assert_status(201);
        assert_eq!(res.body["application"]["urgent"], true, "the call's urgency carries to the case");
        assert_eq!(res.body["call"]["urgent"], true);
        let id = res.body["application"]["id"].as_str().unwrap().to_string();
        let first = &app.outbox_of(&id).await[0];
        assert_eq!(first.event_type, "application.submitted");
        let audiences = first.payload["audiences"].as_array().unwrap();
        assert!(audiences.contains(&json!("caseworkers")) && audiences.contains(&json!("street")), "{audiences:?}");
        let stored = app.stored(&id).await;
        assert!((stored.deadline_at.unwrap() - stored.created_at).num_hours() <= 2, "urgent cases are answered within hours");
        let aid = app.act(&approver, &id, "emergency_approve", json!({"amount_yuan": 1500})).await;
        aid.assert_status(200);
        assert_eq!(aid.body["status"], "emergency_aid");
    }

    async fn a_help_request_without_an_application_reaches_the_community_as_a_task(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120000").await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, neighbour) = app.staff_token("caseworker", XINJIN).await;
        let missing = enter(&app, &op, call_body("help", json!({}))).await;
        missing.assert_error(422, "validation_failed");
        assert!(missing.body["error"]["fields"]["community_code"].is_string());

        let res = enter(&app, &op, call_body("help", json!({"community_code": FUAN}))).await;
        res.assert_status(201);
        assert!(res.body["application"].is_null());
        let call_id = res.body["call"]["id"].as_str().unwrap().to_string();
        let rows = app.outbox_of(&call_id).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].aggregate_type, "hotline_call");
        assert_eq!(rows[0].event_type, "hotline.help_request");
        assert_eq!(rows[0].payload["audiences"], json!(["caseworkers"]));
        assert_eq!(rows[0].payload["community_id"], json!(app_community_id(&app, FUAN).await));
        assert!(!rows[0].payload.to_string().contains("13900001111"));
        // The community's caseworker opens the task; the neighbouring community does not see it.
        let seen = app.get(&format!("/api/v1/hotline/calls/{call_id}"), Some(&worker)).await;
        seen.assert_status(200);
        assert_eq!(seen.body["summary"], "女儿来电:母亲独居,老伴住院,医药费负担很重");
        app.get(&format!("/api/v1/hotline/calls/{call_id}"), Some(&neighbour)).await.assert_error(404, "call_not_found");
        // It waits in the community's task list until someone records what was done.
        assert_eq!(res.body["call"]["task"]["status"], "open");
        let open = app.get("/api/v1/hotline/tasks", Some(&worker)).await;
        open.assert_status(200);
        assert_eq!(open.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(open.body["items"][0]["id"], call_id.as_str());
        assert_eq!(app.get("/api/v1/hotline/tasks", Some(&neighbour)).await.body["items"], json!([]));
        let done_path = format!("/api/v1/hotline/tasks/{call_id}/done");
        app.post(&done_path, Some(&neighbour), &json!({"note": "已上门"})).await.assert_error(404, "call_not_found");
        app.post(&done_path, Some(&op), &json!({"note": "已上门"})).await.assert_error(403, "role_not_allowed");
        let empty = app.post(&done_path, Some(&worker), &json!({"note": " "})).await;
        empty.assert_error(422, "validation_failed");
        assert!(empty.body["error"]["fields"]["note"].is_string());
        let done = app.post(&done_path, Some(&worker), &json!({"note": "已上门看望,协助申请临时救助"})).await;
        done.assert_status(200);
        assert_eq!(done.body["task"]["status"], "done");
        assert_eq!(done.body["task"]["note"], "已上门看望,协助申请临时救助");
        app.post(&done_path, Some(&worker), &json!({"note": "再办一次"})).await.assert_error(409, "task_not_open");
        assert_eq!(app.get("/api/v1/hotline/tasks", Some(&worker)).await.body["items"], json!([]));
        let finished = app.get("/api/v1/hotline/tasks?status=done", Some(&worker)).await;
        assert_eq!(finished.body["items"][0]["id"], call_id.as_str());
        app.get("/api/v1/hotline/tasks?status=later", Some(&worker)).await.assert_error(400, "invalid_query");
        // An inquiry reaches no one.
        let inquiry = enter(&app, &op, call_body("inquiry", json!({}))).await;
        inquiry.assert_status(201);
        assert!(inquiry.body["call"]["task"].is_null());
        assert!(app.outbox_of(inquiry.body["call"]["id"].as_str().unwrap()).await.is_empty());
    }

    async fn a_bad_call_entry_names_every_failing_field_and_writes_nothing(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120000").await;
        let mut application = application_for_call("minimum_living_allowance", "044");
        application["applicant"]["id_number"] = json!("11010519450302044");
        application["draft"] = json!(true);
        let body = json!({
            "caller_phone": "2345678",
            "caller_name": "王2",
            "category": "chat",
            "summary": "  ",
            "platform_call_id": "has space",
            "started_at": (Utc::now() + Duration::hours(2)).to_rfc3339(),
            "community_code": "120101001",
            "application": application,
            "link_application_id": uuid::Uuid::now_v7(),
        });
        let res = enter(&app, &op, body).await;
        res.assert_error(422, "validation_failed");
        for field in ["caller_phone", "caller_name", "category", "summary", "platform_call_id", "started_at",
                      "community_code", "link_application_id", "application.draft", "application.applicant.id_number"] {
            assert!(res.body["error"]["fields"][field].is_string(), "{field} missing: {}", res.text);
        }
        assert_eq!(entity::hotline_calls::Entity::find().count(&app.state.db).await.unwrap(), 0);
        assert_eq!(entity::applications::Entity::find().count(&app.state.db).await.unwrap(), 0);
        enter(&app, &op, json!({"caller_phone": "13900001111", "category": "help", "summary": "x", "status": "closed"}))
            .await
            .assert_error(422, "validation_failed");
        // Only operators enter calls.
        let (_, supervisor) = app.staff_token("supervisor", "120101").await;
        enter(&app, &supervisor, call_body("inquiry", json!({}))).await.assert_error(403, "role_not_allowed");
    }

    async fn an_operator_cannot_approve_or_read_cases_outside_the_operators_jurisdiction(app) {
        app.seed_demo().await;
        // A district hotline desk (和平区) and a case in 河西区.
        let (_, op) = app.staff_token("operator", "120101").await;
        let (_, resident) = app.resident_login("o_hexi").await;
        let outside = app.apply(&resident.access, &application_body("temporary_assistance", TAIERZHUANG, &id_number("19500101", "051"))).await;
        outside.assert_status(201);
        let outside_id = outside.body["id"].as_str().unwrap().to_string();
        let inside = app.apply(&resident.access, &application_body("medical_assistance", FUAN, &id_number("19500101", "061"))).await;
        let inside_id = inside.body["id"].as_str().unwrap().to_string();

        app.get(&format!("/api/v1/staff/applications/{outside_id}"), Some(&op)).await.assert_error(404, "application_not_found");
        app.get(&format!("/api/v1/staff/applications/{inside_id}"), Some(&op)).await.assert_status(200);
        app.act(&op, &inside_id, "approve", json!({"amount_yuan": 100})).await.assert_error(403, "role_not_allowed");
        app.act(&op, &outside_id, "approve", json!({"amount_yuan": 100})).await.assert_error(404, "application_not_found");
        let list = app.get("/api/v1/staff/applications", Some(&op)).await;
        assert!(list.text.contains(&inside_id) && !list.text.contains(&outside_id));
        // Linking a call to it or opening a case there is refused too.
        enter(&app, &op, call_body("complaint", json!({"link_application_id": outside_id}))).await.assert_error(404, "application_not_found");
        let mut application = application_for_call("temporary_assistance", "071");
        application["community_code"] = json!(TAIERZHUANG);
        let res = enter(&app, &op, call_body("help", json!({"application": application}))).await;
        res.assert_error(422, "validation_failed");
        assert_eq!(res.body["error"]["fields"]["application.community_code"], "该社区不在您的辖区内");
        // Nor through a scanned scene that routes to a community outside.
        let (_, admin) = app.staff_token("admin", "120000").await;
        let poster = app.create_entry_point(&admin, TAIERZHUANG, "台儿庄社区海报").await;
        let mut scanned = application_for_call("temporary_assistance", "081");
        scanned["scene"] = poster["scene"].clone();
        let res = enter(&app, &op, call_body("help", json!({"application": scanned}))).await;
        res.assert_error(422, "validation_failed");
        assert_eq!(res.body["error"]["fields"]["application.scene"], "该二维码所属社区不在您的辖区内");
        // The caller history shows only the case inside (the resident's number is the applicant's).
        let history = app.get("/api/v1/hotline/callers/13812345678", Some(&op)).await;
        history.assert_status(200);
        assert!(history.text.contains(&inside_id) && !history.text.contains(&outside_id), "{}", history.text);
    }

    async fn the_caller_history_shows_a_numbers_calls_and_cases_masked_and_newest_first(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120000").await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        // The daughter applies for her mother, then calls twice more about it.
        let opened = enter(&app, &op, call_body("help", json!({"community_code": FUAN, "application": application_for_call("temporary_assistance", "082")}))).await;
        opened.assert_status(201);
        let case_id = opened.body["application"]["id"].as_str().unwrap().to_string();
        let second = enter(&app, &op, call_body("inquiry", json!({"link_application_id": case_id, "summary": "询问办理进度"}))).await;
        second.assert_status(201);
        assert_eq!(second.body["call"]["application"]["link"], "linked");
        let third = enter(&app, &op, call_body("complaint", json!({"link_application_id": case_id, "summary": "第三次来电,反映迟迟没有上门调查"}))).await;
        third.assert_status(201);
        // A complaint about a case tells its caseworkers and shows on its staff timeline.
        let told = app.outbox_of(third.body["call"]["id"].as_str().unwrap()).await;
        assert_eq!(told[0].event_type, "hotline.call_about_case");
        assert_eq!(told[0].payload["application_id"], case_id.as_str());
        let detail = app.get(&format!("/api/v1/staff/applications/{case_id}"), Some(&worker)).await;
        assert!(detail.text.contains("第三次来电"));
        // Someone else's call.
        enter(&app, &op, call_body("inquiry", json!({"caller_phone": "13700002222"}))).await.assert_status(201);

        let history = app.get("/api/v1/hotline/callers/+86%20139-0000-1111", Some(&op)).await;
        history.assert_status(200);
        assert_eq!(history.body["phone"], "139****1111");
        let calls = history.body["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[0]["id"], third.body["call"]["id"], "newest first");
        assert_eq!(calls[2]["id"], opened.body["call"]["id"]);
        let cases = history.body["applications"].as_array().unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0]["id"], case_id.as_str());
        assert_eq!(cases[0]["calls_about_it"], 3);
        assert_eq!(cases[0]["caller_is_applicant"], false);
        assert!(!history.text.contains("13900001111") && !history.text.contains("13812345678"));
        assert!(!history.text.contains("王小红"));
        // The applicant's own number finds the case too.
        let by_applicant = app.get("/api/v1/hotline/callers/13812345678", Some(&op)).await;
        assert_eq!(by_applicant.body["applications"][0]["caller_is_applicant"], true);
        assert_eq!(by_applicant.body["calls"].as_array().unwrap().len(), 0);
        // A landline caller.
        enter(&app, &op, call_body("inquiry", json!({"caller_phone": "022-2345 6789"}))).await.assert_status(201);
        let landline = app.get("/api/v1/hotline/callers/02223456789", Some(&op)).await;
        assert_eq!(landline.body["phone"], "022****6789");
        assert_eq!(landline.body["calls"].as_array().unwrap().len(), 1);

        let bad = app.get("/api/v1/hotline/callers/12345", Some(&op)).await;
        bad.assert_error(422, "validation_failed");
        assert!(bad.body["error"]["fields"]["phone"].is_string());
        app.get("/api/v1/hotline/callers/13900001111", Some(&worker)).await.assert_error(403, "role_not_allowed");
        // The number never reaches the metrics (routes are recorded by pattern).
        let metrics = app.get("/metrics", None).await;
        assert!(metrics.text.contains("/api/v1/hotline/callers/{phone}"));
        assert!(!metrics.text.contains("13900001111"));
    }
}

async fn app_community_id(app: &TestApp, code: &str) -> String {
    zhitongche::jurisdictions::store::find_by_code(&app.state.db, code)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}
