//! The notification pipeline when things break: consumers that die before, during or after a
//! send, re-publishes that are lost again and again, two relays racing over one case, pending
//! entries reclaimed (past busy pages; poison entries set aside), a Redis that loses its
//! streams mid-burst, and two instances sharing a thousand transitions.

use std::collections::HashSet;

use redis::AsyncCommands;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use tests::{Backend, TestApp, application_body, eventually, id_number};
use zhitongche::notify::{consumer, relay, store, transport::Message};

use crate::delivery::{FUAN, apply, consent, deliveries, mock_send, sends, spawn};

async fn read_as(app: &TestApp, consumer_name: &str) -> Vec<(String, Message)> {
    let redis = app.state.redis.clone().unwrap();
    let mut conn = redis.conn().await.unwrap();
    let stream = redis.key("notif:events");
    let _: Result<(), _> = conn.xgroup_create_mkstream(&stream, "wechat", "0").await;
    let opts = redis::streams::StreamReadOptions::default()
        .group("wechat", consumer_name)
        .count(10);
    let reply: redis::streams::StreamReadReply =
        conn.xread_options(&[&stream], &[">"], &opts).await.unwrap();
    reply
        .keys
        .into_iter()
        .flat_map(|k| k.ids)
        .filter_map(|e| Message::from_entry(&e.map).map(|m| (e.id, m)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_dies_after_sending_causes_no_second_send() {
    let app = spawn(Backend::Postgres, false).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 11})).await;
    let (resident_id, resident) = app.resident_login("o_crash_after").await;
    consent(&app, resident_id, 3).await;
    apply(&app, &resident.access, "761").await;
    relay::run_once(&app.state).await.unwrap();
    // A consumer reads the entry, sends, records "sent"… and dies before XACK.
    let read = read_as(&app, "doomed-consumer").await;
    assert_eq!(read.len(), 1);
    consumer::handle(&app.state, "wechat", read[0].1)
        .await
        .unwrap();
    assert_eq!(sends(&app).await.len(), 1);
    // A healthy instance takes over the pending entry and finds nothing left to do.
    let healthy = app_with_workers(&app).await;
    let redis = app.state.redis.clone().unwrap();
    eventually(15, "the pending entry acknowledged", || async {
        let mut conn = redis.conn().await.unwrap();
        let pending: redis::streams::StreamPendingReply = conn
            .xpending(redis.key("notif:events"), "wechat")
            .await
            .unwrap();
        (pending.count() == 0).then_some(())
    })
    .await;
    assert_eq!(sends(&app).await.len(), 1, "no second send");
    drop(healthy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_dies_before_sending_has_its_work_taken_over_and_sent_once() {
    let app = spawn(Backend::Postgres, false).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 12})).await;
    let (resident_id, resident) = app.resident_login("o_crash_before").await;
    consent(&app, resident_id, 3).await;
    apply(&app, &resident.access, "771").await;
    relay::run_once(&app.state).await.unwrap();
    // A consumer reads the entry and claims the delivery… and dies before sending.
    let read = read_as(&app, "doomed-consumer").await;
    assert_eq!(read.len(), 1);
    let wechat = deliveries(&app, "wechat").await;
    assert!(
        store::claim(
            &app.state.db,
            wechat[0].id,
            std::time::Duration::from_secs(1)
        )
        .await
        .unwrap()
        .is_some()
    );
    assert!(sends(&app).await.is_empty());
    let healthy = app_with_workers(&app).await;
    eventually(20, "the notice sent by the survivor", || async {
        deliveries(&app, "wechat")
            .await
            .iter()
            .any(|d| d.state == "sent")
            .then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(sends(&app).await.len(), 1, "sent exactly once");
    let done = deliveries(&app, "wechat").await.remove(0);
    assert_eq!(
        done.unknown_outcomes, 0,
        "nothing had left: not an unknown outcome"
    );
    drop(healthy);
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_dies_between_sending_and_recording_causes_at_most_one_repeat() {
    let app = spawn(Backend::Postgres, false).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 14})).await;
    let (resident_id, resident) = app.resident_login("o_crash_mid").await;
    consent(&app, resident_id, 3).await;
    apply(&app, &resident.access, "781").await;
    relay::run_once(&app.state).await.unwrap();
    // A consumer claims the notice and sends it… and dies before writing down that it did.
    let id = deliveries(&app, "wechat").await[0].id;
    let claimed = store::claim(&app.state.db, id, std::time::Duration::from_secs(1))
        .await
        .unwrap()
        .expect("claimed");
    zhitongche::notify::wechat_channel::deliver(&app.state, &claimed)
        .await
        .unwrap();
    assert_eq!(sends(&app).await.len(), 1);
    // Once the lease has run out, nobody simply takes it over as if nothing had been sent.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert!(
        store::claim(&app.state.db, id, std::time::Duration::from_secs(1))
            .await
            .unwrap()
            .is_none(),
        "an expired WeChat send is not claimable"
    );
    // The reconciler calls its outcome unknown and retries it once: at most one repeat.
    let healthy = app_with_workers(&app).await;
    let done = eventually(20, "the retried notice recorded", || async {
        deliveries(&app, "wechat")
            .await
            .into_iter()
            .find(|d| d.state == "sent")
    })
    .await;
    assert_eq!(sends(&app).await.len(), 2, "the one documented repeat");
    assert_eq!(done.attempts, 2);
    drop(healthy);

    // Had the retry's consumer died mid-send too, the notice is dead-lettered, not sent again.
    {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
        let mut m = done.into_active_model();
        m.state = Set("sending".into());
        m.last_error = Set(Some("outcome unknown: consumer stopped during send".into()));
        m.lease_until = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1)));
        m.updated_at = Set(chrono::Utc::now() - chrono::Duration::seconds(5));
        m.update(&app.state.db).await.unwrap();
    }
    zhitongche::notify::reconciler::run_once(&app.state)
        .await
        .unwrap();
    let dead = store::find(&app.state.db, id).await.unwrap().unwrap();
    assert_eq!(dead.state, "dead");
    assert!(dead.last_error.unwrap().contains("retried once"));
    assert_eq!(sends(&app).await.len(), 2);
}

/// A second instance on the same database and Redis that runs the pipeline (and uses the
/// first one's fake WeChat).
async fn app_with_workers(app: &TestApp) -> TestApp {
    let mut raw = app.raw.clone();
    raw.ztc_notify_workers = Some("true".into());
    app.another_instance_with(raw).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_loses_its_streams_mid_burst_still_delivers_everything_once() {
    let app = spawn(Backend::Postgres, true).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 13})).await;
    let mut tokens = Vec::new();
    for i in 0..24 {
        let (id, t) = app.resident_login(&format!("o_burst_{i:02}")).await;
        consent(&app, id, 1).await;
        tokens.push(t.access);
    }
    let redis = app.state.redis.clone().unwrap();
    for (i, token) in tokens.iter().enumerate() {
        apply(&app, token, &format!("{:03}", 800 + i * 2 + 1)).await;
        if i == 10 {
            // Redis restarts without persistence: streams and groups are gone.
            let mut conn = redis.conn().await.unwrap();
            let _: () = conn
                .del(&[redis.key("notif:events"), redis.key("notif:feed")])
                .await
                .unwrap();
        }
    }
    eventually(30, "24 notices", || async {
        (sends(&app).await.len() >= 24).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let got = sends(&app).await;
    let people: HashSet<String> = got
        .iter()
        .map(|b| b["touser"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(people.len(), 24, "everyone heard");
    assert_eq!(got.len(), 24, "nobody heard twice");
    let staff_rows = entity::staff_notifications::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let staff_deliveries = deliveries(&app, "staff").await;
    assert_eq!(
        staff_rows as usize,
        staff_deliveries.len(),
        "one inbox row per staff delivery"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_turn_a_thousand_transitions_into_a_thousand_sends() {
    // The service's own timings: nothing here breaks, so nothing needs recovering quickly (the
    // quick ones re-publish a backlog that is merely queued, which only slows a loaded machine).
    let app = TestApp::builder(Backend::Postgres)
        .settings(|raw| raw.ztc_notify_workers = Some("true".into()))
        .spawn()
        .await;
    app.seed_demo().await;
    app.mock_stable_token("TOKEN-N", None).await;
    let second = app_with_workers(&app).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 14})).await;
    let (_, worker) = app.staff_token("caseworker", FUAN).await;
    let (_, approver) = app.staff_token("approver", "120101001").await;
    // 200 cases × 5 steps (submit, accept, investigate, review, approve) = 1,000 transitions.
    let mut residents = Vec::new();
    for i in 0..200 {
        let (id, t) = app.resident_login(&format!("o_k{i:03}")).await;
        consent(&app, id, 5).await;
        residents.push(t.access);
    }
    for chunk in residents.chunks(20).enumerate() {
        let (n, tokens) = chunk;
        let host = if n % 2 == 0 { &app } else { &second };
        let cases = futures_util::future::join_all(tokens.iter().enumerate().map(|(j, t)| {
            let seq = format!("{:03}", (n * 20 + j) % 1000);
            async move {
                let res = host
                    .apply(
                        t,
                        &application_body(
                            "temporary_assistance",
                            FUAN,
                            &id_number(&format!("19{:02}0101", 30 + n), &seq),
                        ),
                    )
                    .await;
                res.assert_status(201);
                res.body["id"].as_str().unwrap().to_string()
            }
        }))
        .await;
        for (action, token, extra) in [
            ("accept", &worker, json!({})),
            ("start_investigation", &worker, json!({})),
            ("submit_review", &worker, json!({"note": "属实"})),
            ("approve", &approver, json!({"amount_yuan": 600})),
        ] {
            futures_util::future::join_all(cases.iter().map(|id| {
                let extra = extra.clone();
                async move {
                    host.act(token, id, action, extra).await.assert_status(200);
                }
            }))
            .await;
        }
    }
    eventually(120, "1,000 notices", || async {
        let n = sends(&app).await.len();
        (n >= 1000).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let got = sends(&app).await;
    let unique: HashSet<(String, String)> = got
        .iter()
        .map(|b| {
            (
                b["touser"].as_str().unwrap().to_string(),
                b["data"]["phrase2"]["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got.len(), 1000, "no duplicates");
    assert_eq!(unique.len(), 1000);
    let sent = entity::notification_deliveries::Entity::find()
        .filter(entity::notification_deliveries::Column::Channel.eq("wechat"))
        .filter(entity::notification_deliveries::Column::State.eq("sent"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(sent, 1000);
    // One entry per event, plus at most one hand-on per notice that waited for an older one of
    // its case: waiting notices are not re-published pass after pass.
    let redis = app.state.redis.clone().unwrap();
    let mut conn = redis.conn().await.unwrap();
    let length: usize = conn.xlen(redis.key("notif:events")).await.unwrap();
    assert!(length <= 2000, "{length} stream entries for 1,000 events");
    drop(second);
}

fn streams_of(app: &TestApp) -> zhitongche::notify::transport::Streams {
    match &app.state.notifier.transport {
        zhitongche::notify::transport::Transport::Redis(s) => (**s).clone(),
        zhitongche::notify::transport::Transport::Local(_) => panic!("this test needs Redis"),
    }
}

/// An app that runs no workers (the test drives the stream itself), its fake WeChat answering
/// every send with `msgid`, and the `wechat` group on its events stream.
async fn with_group(
    msgid: u64,
) -> (
    TestApp,
    zhitongche::notify::transport::Streams,
    redis::aio::ConnectionManager,
) {
    let app = spawn(Backend::Postgres, false).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": msgid})).await;
    let s = streams_of(&app);
    let mut conn = app.state.redis.clone().unwrap().conn().await.unwrap();
    let _: () = conn
        .xgroup_create_mkstream(&s.events, "wechat", "0")
        .await
        .unwrap();
    (app, s, conn)
}

/// Reads every entry of the stream as `consumer_name`, which then "dies" without acking.
async fn read_all_as(app: &TestApp, consumer_name: &str) -> Vec<String> {
    let s = streams_of(app);
    let mut conn = app.state.redis.clone().unwrap().conn().await.unwrap();
    let opts = redis::streams::StreamReadOptions::default()
        .group("wechat", consumer_name)
        .count(5000);
    let reply: redis::streams::StreamReadReply = conn
        .xread_options(&[&s.events], &[">"], &opts)
        .await
        .unwrap();
    reply
        .keys
        .into_iter()
        .flat_map(|k| k.ids)
        .map(|e| e.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reclaiming_goes_on_past_a_page_whose_entries_are_not_idle_yet() {
    let (app, s, mut conn) = with_group(51).await;
    // A thousand entries ahead of the notice: one XAUTOCLAIM page scans at most that many.
    let mut pipe = redis::pipe();
    for i in 0..1000 {
        pipe.xadd(&s.events, "*", &[("filler", i)]);
    }
    let fillers: Vec<String> = pipe.query_async(&mut conn).await.unwrap();
    let (resident_id, resident) = app.resident_login("o_deep").await;
    consent(&app, resident_id, 1).await;
    apply(&app, &resident.access, "841").await;
    relay::run_once(&app.state).await.unwrap();
    assert_eq!(read_all_as(&app, "doomed-consumer").await.len(), 1001);
    // The notice's consumer is gone; the fillers were handed on just now and are not idle.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let _: Vec<String> = redis::cmd("XCLAIM")
        .arg(&s.events)
        .arg("wechat")
        .arg("busy-consumer")
        .arg(0)
        .arg(&fillers)
        .arg("JUSTID")
        .query_async(&mut conn)
        .await
        .unwrap();
    let taken = zhitongche::notify::worker::reclaim_once(&app.state, &s, "wechat")
        .await
        .unwrap();
    assert_eq!(taken, 1, "the notice behind the first page");
    assert_eq!(sends(&app).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_that_keeps_failing_is_set_aside_instead_of_reclaimed_forever() {
    let (app, s, mut conn) = with_group(52).await;
    let (resident_id, resident) = app.resident_login("o_poison").await;
    consent(&app, resident_id, 1).await;
    apply(&app, &resident.access, "851").await;
    relay::run_once(&app.state).await.unwrap();
    let ids = read_all_as(&app, "doomed-consumer").await;
    assert_eq!(ids.len(), 1);
    // Delivered many times already: whatever it triggers keeps failing.
    let _: Vec<String> = redis::cmd("XCLAIM")
        .arg(&s.events)
        .arg("wechat")
        .arg("doomed-consumer")
        .arg(0)
        .arg(&ids[0])
        .arg("IDLE")
        .arg(5000)
        .arg("RETRYCOUNT")
        .arg(zhitongche::notify::worker::POISON_DELIVERIES)
        .arg("JUSTID")
        .query_async(&mut conn)
        .await
        .unwrap();
    let taken = zhitongche::notify::worker::reclaim_once(&app.state, &s, "wechat")
        .await
        .unwrap();
    assert_eq!(taken, 0);
    let pending: redis::streams::StreamPendingReply =
        conn.xpending(&s.events, "wechat").await.unwrap();
    assert_eq!(pending.count(), 0, "acknowledged");
    let dead: redis::streams::StreamRangeReply = conn.xrange_all(&s.dead).await.unwrap();
    assert_eq!(dead.ids.len(), 1);
    assert_eq!(
        dead.ids[0].get::<String>("entry").as_deref(),
        Some(ids[0].as_str())
    );
    assert!(sends(&app).await.is_empty(), "not handled again");
    // Its delivery is still due in the database, where the reconciler finds it.
    assert_eq!(deliveries(&app, "wechat").await[0].state, "pending");
}
