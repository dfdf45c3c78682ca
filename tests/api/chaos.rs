//! The fault suite (issue 15): two instances as child processes on one database and a private
//! Redis, a burst of transitions, instances killed and restarted, the streams deleted, Redis
//! paused — and afterwards every notice counted. A bigger, longer run: `bench/chaos.rs`.

use std::time::{Duration, Instant};

use tests::chaos::{Cluster, Fault, Plan, cluster::COMMUNITY, run};

const BIN: &str = env!("CARGO_BIN_EXE_ztc-instance");

/// Timings short enough for the suite's few minutes; the same for every run of it.
fn quick_recovery() -> Vec<(String, String)> {
    [
        ("ZTC_NOTIFY_LEASE_SECS", "10"),
        ("ZTC_NOTIFY_CLAIM_IDLE_MS", "3000"),
        ("ZTC_NOTIFY_RECONCILE_MS", "1000"),
        ("ZTC_NOTIFY_REPUBLISH_AFTER_MS", "3000"),
        ("ZTC_NOTIFY_RETRY_BASE_MS", "500"),
        ("WECHAT_TIMEOUT_SECS", "5"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_notice_is_lost_while_instances_die_streams_vanish_and_redis_stalls() {
    use Fault::*;
    let pause = PauseRedis(Duration::from_millis(1500));
    let plan = Plan {
        instances: 2,
        cases: 16,
        cycles: 12,
        step_pause: Duration::from_millis(50),
        faults: vec![
            Kill(0),
            DeleteStreams,
            Kill(1),
            pause,
            Restart(0),
            Kill(1),
            DeleteStreams,
            Kill(0),
            pause,
            Restart(1),
            Kill(0),
            Kill(1),
        ],
        fault_every: Duration::from_secs(2),
        down_for: Duration::from_millis(500),
        quiet_within: Duration::from_secs(180),
        wechat_delay: Duration::from_millis(30),
        settings: quick_recovery(),
    };
    let (figures, cluster) = run(BIN, &plan).await;
    println!(
        "fault suite, {} transitions planned:\n{figures}",
        plan.transitions()
    );
    if let Some(failures) = figures.failures() {
        panic!("{failures}\n{}", cluster.logs(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_live_streams_with_a_reconnect_event_and_the_process_exits() {
    let mut cluster = Cluster::start(BIN, &["ia"], &[], Duration::ZERO).await;
    let (_, token) = cluster.staff("caseworker", COMMUNITY).await;
    let mut stream = cluster.open_stream(0, &token).await;
    let started = Instant::now();
    cluster.instances[0].terminate();
    let event = stream.next_event(60).await;
    let event_after = started.elapsed();
    let exited_after = cluster.instances[0]
        .exited_within(Duration::from_secs(60))
        .await
        .map(|_| started.elapsed());
    println!(
        "SIGTERM with a live stream open: reconnect event after {:.3} s, exit after {}",
        event_after.as_secs_f64(),
        exited_after.map_or("more than 60 s".into(), |d| format!(
            "{:.3} s",
            d.as_secs_f64()
        ))
    );
    let event = event.expect("an event before the stream ends");
    assert_eq!(event.event, "reconnect", "{event:?}");
    assert!(
        stream.closed_within(5).await,
        "the stream ends after telling the client"
    );
    assert!(exited_after.is_some(), "the process exits");
}
