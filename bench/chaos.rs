//! The fault suite at size (issue 15): two instances of the real service as child processes on
//! one PostgreSQL database and a private Redis, a burst of transitions, instances killed and
//! restarted (and restarted gracefully), the stream keys deleted and Redis paused while the
//! notices are on their way; then every notice counted and the latency from commit to WeChat.
//!
//! Run: `cargo bench -p tests --bench chaos` (release; add `--profile dev` for a quick build).
//! Sizes from the environment: `CHAOS_CASES` (20), `CHAOS_CYCLES` (21: each case takes
//! 3 + 2 × cycles transitions), `CHAOS_KILLS` (10), `CHAOS_PAUSES` (10), `CHAOS_DELETIONS`
//! (5), `CHAOS_RESTARTS` (2, graceful), `CHAOS_FAULT_EVERY_MS` (3000), `CHAOS_PAUSE_MS` (2000),
//! `CHAOS_STEP_PAUSE_MS` (50), `CHAOS_QUIET_SECS` (900). The instances get the service's
//! defaults, except for any `ZTC_NOTIFY_*` or `WECHAT_TIMEOUT_SECS` set in the environment;
//! `CHAOS_INSTANCE_BIN` runs another build of the service (to compare before and after);
//! `CHAOS_KEEP_LOGS` keeps the instances' logs and the database.
//! Exits non-zero when a notice was lost, duplicated without cause or sent out of order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tests::chaos::{Fault, Plan, run};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Kills alternate between the instances; the other faults are spread between them.
fn faults(kills: u64, pauses: u64, deletions: u64, restarts: u64, pause: Duration) -> Vec<Fault> {
    let mut others: Vec<Fault> = Vec::new();
    let (mut p, mut d, mut r) = (pauses, deletions, restarts);
    while p + d + r > 0 {
        if p > 0 {
            others.push(Fault::PauseRedis(pause));
            p -= 1;
        }
        if d > 0 {
            others.push(Fault::DeleteStreams);
            d -= 1;
        }
        if r > 0 {
            others.push(Fault::Restart(r as usize % 2));
            r -= 1;
        }
    }
    let mut out = Vec::new();
    let mut others = others.into_iter();
    for k in 0..kills {
        out.push(Fault::Kill(k as usize % 2));
        out.extend(others.next());
    }
    out.extend(others);
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let settings: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("ZTC_NOTIFY_") || k == "WECHAT_TIMEOUT_SECS")
        .collect();
    let plan = Plan {
        instances: 2,
        cases: env_num("CHAOS_CASES", 20) as usize,
        cycles: env_num("CHAOS_CYCLES", 21) as usize,
        step_pause: Duration::from_millis(env_num("CHAOS_STEP_PAUSE_MS", 50)),
        faults: faults(
            env_num("CHAOS_KILLS", 10),
            env_num("CHAOS_PAUSES", 10),
            env_num("CHAOS_DELETIONS", 5),
            env_num("CHAOS_RESTARTS", 2),
            Duration::from_millis(env_num("CHAOS_PAUSE_MS", 2000)),
        ),
        fault_every: Duration::from_millis(env_num("CHAOS_FAULT_EVERY_MS", 3000)),
        down_for: Duration::from_millis(500),
        quiet_within: Duration::from_secs(env_num("CHAOS_QUIET_SECS", 900)),
        wechat_delay: Duration::from_millis(30),
        settings: settings.clone(),
    };
    println!(
        "fault run: {} cases, {} transitions, {} faults {} ms apart; settings {:?}",
        plan.cases,
        plan.transitions(),
        plan.faults.len(),
        plan.fault_every.as_millis(),
        settings
    );
    // Another build of the service (say the previous commit's) for a before/after comparison.
    let bin = std::env::var("CHAOS_INSTANCE_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_ztc-instance").to_string());
    let (figures, cluster) = run(&bin, &plan).await;
    println!("{figures}");
    println!("faults:");
    for (at, fault) in &figures.timeline {
        println!("  {} {fault}", at.format("%H:%M:%S%.3f"));
    }
    println!("slowest notices (latency s: committed → arrived, notice):");
    for (latency, committed, arrived, what) in &figures.slowest {
        println!(
            "  {latency:6.2}: {} → {}  {what}",
            committed.format("%H:%M:%S%.3f"),
            arrived.format("%H:%M:%S%.3f")
        );
    }
    drop(cluster);
    if let Some(failures) = figures.failures() {
        println!("FAILED: {failures}");
        std::process::exit(1);
    }
}
