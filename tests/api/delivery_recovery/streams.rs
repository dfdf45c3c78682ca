//! The Redis streams under the pipeline: a Redis that loses them mid-burst still delivers
//! everything once; reclaiming goes past busy pages; an entry that keeps failing is set aside.

use std::collections::HashSet;

use redis::AsyncCommands;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use tests::{Backend, TestApp, eventually};

use crate::delivery::{apply, consent, deliveries, mock_send, one_notice, sends, spawn};

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
    one_notice(&app, "o_deep", "841", 1).await;
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
    one_notice(&app, "o_poison", "851", 1).await;
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
