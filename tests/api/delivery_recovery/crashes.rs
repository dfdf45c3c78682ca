//! Consumers that die before, during or after a send: another instance takes over, and a
//! resident hears at most one repeat, never a silent loss.

use redis::AsyncCommands;
use serde_json::json;
use tests::{Backend, TestApp, eventually};
use zhitongche::notify::{consumer, store, transport::Message};

use crate::delivery::{
    app_with_workers, deliveries, mock_send, one_notice, sends, spawn, wechat_delivery_in,
};

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
    one_notice(&app, "o_crash_after", "761", 3).await;
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
    let id = one_notice(&app, "o_crash_before", "771", 3).await;
    // A consumer reads the entry and claims the delivery… and dies before sending.
    let read = read_as(&app, "doomed-consumer").await;
    assert_eq!(read.len(), 1);
    assert!(
        store::claim(&app.state.db, id, std::time::Duration::from_secs(1))
            .await
            .unwrap()
            .is_some()
    );
    assert!(sends(&app).await.is_empty());
    let healthy = app_with_workers(&app).await;
    wechat_delivery_in(&app, "sent", 20, "the notice sent by the survivor").await;
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
async fn a_consumer_that_dies_between_sending_and_recording_causes_at_most_one_repeat() {
    let app = spawn(Backend::Postgres, false).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 14})).await;
    let id = one_notice(&app, "o_crash_mid", "781", 3).await;
    // A consumer claims the notice and sends it… and dies before writing down that it did.
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
    let done = wechat_delivery_in(&app, "sent", 20, "the retried notice recorded").await;
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
