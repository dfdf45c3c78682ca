//! Notification benchmark: N case transitions through the real pipeline (HTTP → transaction
//! with outbox → relay → Redis Stream → consumer group → fake WeChat) on PostgreSQL + Redis,
//! beside a raw XADD / XREADGROUP / XACK loop on the same Redis in the same run.
//!
//! Reports throughput and p50/p99 latency — for the pipeline from the outbox row's commit to
//! the fake WeChat receiving the call — and the ratios to the raw loop.
//!
//! Two questions, each against the raw loop: capacity (a backlog of N notices drained as fast as
//! possible) and latency below saturation (transitions at `BENCH_RATE` per second).
//!
//! Run: `cargo bench -p tests --bench notify` (`BENCH_N`, default 500, a multiple of 5 — each
//! case takes five steps; `BENCH_RATE`, default 20).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{Backend, TestApp, application_body, id_number};
use wiremock::{
    Mock, Request, Respond, ResponseTemplate,
    matchers::{method, path},
};
use zhitongche::applications::workflow::Status;

const FUAN: &str = "120101001001";

/// When the fake WeChat received a send, and its body.
type Received = (DateTime<Utc>, Value);

/// The fake WeChat: answers every send and notes when it arrived.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Received>>>);

impl Respond for Recorder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        self.0.lock().unwrap().push((Utc::now(), body));
        ResponseTemplate::new(200).set_body_json(json!({"errcode": 0, "errmsg": "ok", "msgid": 1}))
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

struct Figures {
    n: usize,
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn figures(n: usize, elapsed: f64, mut latencies: Vec<f64>) -> Figures {
    latencies.sort_by(f64::total_cmp);
    Figures {
        n,
        per_sec: n as f64 / elapsed,
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
    }
}

/// Raw Redis Streams: a producer adding `n` entries, `rate` per second (`None`: as fast as it
/// can), one group consumer reading and acknowledging them.
async fn raw_streams(n: usize, rate: Option<f64>) -> Figures {
    let client = redis::Client::open(tests::redis_url()).unwrap();
    let key = format!("ztc-bench-raw-{}", uuid::Uuid::now_v7().simple());
    let mut producer = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = producer
        .xgroup_create_mkstream(&key, "g", "0")
        .await
        .unwrap();
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let consumer = {
        let key = key.clone();
        let client = client.clone();
        let sent_at = sent_at.clone();
        tokio::spawn(async move {
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let mut latencies = Vec::with_capacity(n);
            while latencies.len() < n {
                let opts = redis::streams::StreamReadOptions::default()
                    .group("g", "c")
                    .count(32)
                    .block(1000);
                let reply: Option<redis::streams::StreamReadReply> =
                    conn.xread_options(&[&key], &[">"], &opts).await.unwrap();
                for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
                    let _: i64 = conn.xack(&key, "g", &[&entry.id]).await.unwrap();
                    let tag: String = entry.get("i").unwrap();
                    let start = sent_at.lock().unwrap().get(&tag).copied();
                    if let Some(start) = start {
                        latencies.push(start.elapsed().as_secs_f64() * 1000.0);
                    }
                }
            }
            latencies
        })
    };
    let started = Instant::now();
    for i in 0..n {
        if let Some(rate) = rate {
            let due = started + Duration::from_secs_f64(i as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
        }
        let tag = i.to_string();
        sent_at.lock().unwrap().insert(tag.clone(), Instant::now());
        let _: String = producer.xadd(&key, "*", &[("i", tag)]).await.unwrap();
    }
    let latencies = consumer.await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    let _: () = producer.del(&key).await.unwrap();
    figures(n, elapsed, latencies)
}

async fn app(workers: bool) -> (TestApp, Recorder) {
    let app = TestApp::builder(Backend::Postgres)
        .settings(move |raw| {
            raw.ztc_workers = Some("2".into());
            raw.ztc_db_max_connections = Some("20".into());
            raw.ztc_log = Some("warn".into());
            raw.ztc_notify_workers = Some(workers.to_string());
        })
        .spawn()
        .await;
    app.seed_demo().await;
    app.mock_stable_token("TOKEN-B", None).await;
    let recorder = Recorder::default();
    Mock::given(method("POST"))
        .and(path("/cgi-bin/message/subscribe/send"))
        .respond_with(recorder.clone())
        .mount(&app.wechat)
        .await;
    (app, recorder)
}

/// Opens `cases` cases and takes each through five steps; every step notifies the resident.
/// With `rate`, steps start at that many per second; otherwise 16 run at a time.
async fn drive(app: &TestApp, cases: usize, rate: Option<f64>, tag: &str) {
    let (_, worker) = app.staff_token("caseworker", FUAN).await;
    let (_, approver) = app.staff_token("approver", "120101001").await;
    let mut residents = Vec::with_capacity(cases);
    for i in 0..cases {
        let (id, t) = app.resident_login(&format!("o_{tag}_{i:05}")).await;
        zhitongche::notify::store::change_credits(&app.state.db, id, "dev-progress", 5, false, 100)
            .await
            .unwrap();
        residents.push(t.access);
    }
    let width = if rate.is_some() { 1 } else { 16 };
    let started = Instant::now();
    let mut step = 0usize;
    for (n_chunk, tokens) in residents.chunks(width).enumerate() {
        let pace = |step: usize| async move {
            if let Some(rate) = rate {
                tokio::time::sleep_until(
                    (started + Duration::from_secs_f64(step as f64 / rate)).into(),
                )
                .await;
            }
        };
        pace(step).await;
        let ids = futures_util::future::join_all(tokens.iter().enumerate().map(|(j, t)| {
            let seq = format!("{:03}", j);
            let birth = format!("19{:02}{:02}01", 20 + n_chunk % 70, 1 + n_chunk / 70 % 12);
            async move {
                let res = app
                    .apply(
                        t,
                        &application_body("temporary_assistance", FUAN, &id_number(&birth, &seq)),
                    )
                    .await;
                assert_eq!(res.status, 201, "{}", res.text);
                res.body["id"].as_str().unwrap().to_string()
            }
        }))
        .await;
        step += 1;
        for (action, token, extra) in [
            ("accept", &worker, json!({})),
            ("start_investigation", &worker, json!({})),
            ("submit_review", &worker, json!({"note": "属实"})),
            ("approve", &approver, json!({"amount_yuan": 500})),
        ] {
            pace(step).await;
            futures_util::future::join_all(ids.iter().map(|id| {
                let extra = extra.clone();
                async move {
                    let res = app.act(token, id, action, extra).await;
                    assert_eq!(res.status, 200, "{}", res.text);
                }
            }))
            .await;
            step += 1;
        }
    }
}

async fn wait_for(recorder: &Recorder, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while recorder.0.lock().unwrap().len() < n {
        assert!(
            Instant::now() < deadline,
            "pipeline did not deliver everything in time"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Commit-to-receipt latency of every send, matched to its outbox row by case and status.
async fn latencies(app: &TestApp, recorder: &Recorder) -> Vec<f64> {
    let rows = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::AggregateType.eq("application"))
        .all(&app.state.db)
        .await
        .unwrap();
    let committed: HashMap<(String, String), DateTime<Utc>> = rows
        .into_iter()
        .filter_map(|o| {
            let label = Status::parse(o.payload["status"].as_str()?)?
                .label()
                .to_string();
            Some(((o.aggregate_id.to_string(), label), o.created_at))
        })
        .collect();
    recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(at, body)| {
            let case = body["page"].as_str()?.rsplit('=').next()?.to_string();
            let label = body["data"]["phrase2"]["value"].as_str()?.to_string();
            let start = committed.get(&(case, label))?;
            Some((*at - *start).num_microseconds()? as f64 / 1000.0)
        })
        .collect()
}

/// Capacity: `n` notices wait in the outbox (written by an instance without workers); a second
/// instance starts the pipeline, and the drain is timed.
async fn pipeline_capacity(n: usize) -> Figures {
    let (writer, recorder) = app(false).await;
    drive(&writer, n / 5, None, "cap").await;
    let started = Instant::now();
    let mut raw = writer.raw.clone();
    raw.ztc_notify_workers = Some("true".into());
    let drainer = writer.another_instance_with(raw).await;
    wait_for(&recorder, n).await;
    let elapsed = started.elapsed().as_secs_f64();
    let lat = latencies(&writer, &recorder).await;
    drop(drainer);
    figures(n, elapsed, lat)
}

/// Latency below saturation: steps at `rate` per second through one instance.
async fn pipeline_latency(n: usize, rate: f64) -> Figures {
    let (app, recorder) = app(true).await;
    let started = Instant::now();
    drive(&app, n / 5, Some(rate), "lat").await;
    wait_for(&recorder, n).await;
    let elapsed = started.elapsed().as_secs_f64();
    let lat = latencies(&app, &recorder).await;
    assert_eq!(lat.len(), n, "every send matched to its commit");
    figures(n, elapsed, lat)
}

fn row(name: &str, f: &Figures) {
    println!(
        "| {name} | {} | {:.0} | {:.2} | {:.2} |",
        f.n, f.per_sec, f.p50_ms, f.p99_ms
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let n = (n / 5).max(1) * 5;
    let rate: f64 = std::env::var("BENCH_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20.0);
    let m = ((n / 5).min(40)) * 5;
    println!("notification benchmark on PostgreSQL + Redis, same machine and run");
    let raw_cap = raw_streams(n, None).await;
    let raw_lat = raw_streams(m, Some(rate)).await;
    let pipe_cap = pipeline_capacity(n).await;
    let pipe_lat = pipeline_latency(m, rate).await;
    println!("| path | messages | throughput (/s) | p50 (ms) | p99 (ms) |");
    println!("|---|---|---|---|---|");
    row("raw XADD→XREADGROUP→XACK, flat out", &raw_cap);
    row(
        "pipeline, draining a backlog (outbox→fake WeChat)",
        &pipe_cap,
    );
    row(&format!("raw, {rate}/s"), &raw_lat);
    row(
        &format!("pipeline, {rate} transitions/s (commit→fake WeChat)"),
        &pipe_lat,
    );
    println!(
        "ratios (pipeline / raw): capacity {:.4}; at {rate}/s p50 latency {:.0}x, p99 latency {:.0}x",
        pipe_cap.per_sec / raw_cap.per_sec,
        pipe_lat.p50_ms / raw_lat.p50_ms,
        pipe_lat.p99_ms / raw_lat.p99_ms
    );
}
