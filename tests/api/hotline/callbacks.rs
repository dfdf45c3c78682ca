//! Platform callbacks: only validly signed ones take effect (current or rotated-out secret,
//! inside the window), a burst of one event takes effect once, and events in any order make
//! one correct call.

use chrono::{Duration, Utc};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use tests::{Backend, TestApp, both_backends};

use super::support::{
    callback, calls_with_platform_id, event, post_raw, seconds_ago, secret, sign,
};

const PREVIOUS_SECRET: &str = "previous-hotline-secret-0001";

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
}
