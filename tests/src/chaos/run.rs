//! One fault run: the cluster, the load, the faults while it runs, a bounded wait for quiet,
//! then the count.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::chaos::{
    cluster::{COMMUNITY, Cluster},
    count,
    figures::Figures,
    load::{Case, Load},
};

/// Something that goes wrong while the load runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `kill -9` of an instance, started again after `Plan::down_for`.
    Kill(usize),
    /// SIGTERM, as in a rolling restart: the instance stops gracefully and is started again.
    Restart(usize),
    /// The run's stream keys deleted, as a Redis restarting without persistence loses them.
    DeleteStreams,
    /// `CLIENT PAUSE … ALL` on the run's Redis.
    PauseRedis(Duration),
}

/// The size and shape of a run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub instances: usize,
    pub cases: usize,
    /// Supplement rounds per case (two transitions each, after three to get going).
    pub cycles: usize,
    /// Between two steps of one case.
    pub step_pause: Duration,
    /// In this order, `fault_every` apart, from the start of the load.
    pub faults: Vec<Fault>,
    pub fault_every: Duration,
    /// How long a killed instance stays down.
    pub down_for: Duration,
    /// The bound of the wait for every delivery to be done, once the load and the faults have
    /// ended.
    pub quiet_within: Duration,
    /// How long the fake WeChat takes to answer.
    pub wechat_delay: Duration,
    /// Settings of every instance (environment names), on top of the run's own.
    pub settings: Vec<(String, String)>,
}

impl Plan {
    pub fn transitions(&self) -> usize {
        self.cases * (3 + 2 * self.cycles)
    }
}

/// When each fault happened.
#[derive(Debug, Default, Clone)]
pub struct FaultLog {
    /// (instance name, when) of every `kill -9`.
    pub kills: Vec<(String, DateTime<Utc>)>,
    pub restarts: usize,
    pub deletions: usize,
    pub pauses: usize,
    /// Stream entries added before each deletion (XINFO `entries-added` resets with the key).
    pub entries_added_before_deletions: u64,
    /// Every fault with when it began.
    pub timeline: Vec<(DateTime<Utc>, Fault)>,
}

/// Runs `plan` against instances of `bin` (the `ztc-instance` binary) and counts.
pub async fn run(bin: &str, plan: &Plan) -> (Figures, Cluster) {
    let names: Vec<String> = (0..plan.instances)
        .map(|i| format!("i{}", (b'a' + i as u8) as char))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut cluster = Cluster::start(bin, &names, &plan.settings, plan.wechat_delay).await;
    let (_, caseworker) = cluster.staff("caseworker", COMMUNITY).await;
    let credits = (3 + plan.cycles) as i32 + 5;
    let mut cases = Vec::new();
    for index in 0..plan.cases {
        let openid = format!("o_chaos_{index:03}");
        let (_, token) = cluster.resident(&openid, credits).await;
        cases.push(Case {
            index,
            openid,
            resident_token: token,
            id: None,
            version: 0,
        });
    }
    let load = Load::new(&cluster, caseworker);
    let started = Instant::now();
    let driving = {
        let load = load.clone();
        let (cycles, pause) = (plan.cycles, plan.step_pause);
        tokio::spawn(async move {
            futures_util::future::join_all(
                cases
                    .into_iter()
                    .map(|case| tokio::spawn(load.clone().drive(case, cycles, pause))),
            )
            .await
            .into_iter()
            .for_each(|r| {
                if let Err(e) = r {
                    std::panic::resume_unwind(e.into_panic());
                }
            });
            started.elapsed()
        })
    };
    let faults = inflict(&mut cluster, plan).await;
    let load_took = match driving.await {
        Ok(took) => took,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    for i in &mut cluster.instances {
        if !i.is_running() {
            i.start().await;
        }
    }
    let quiet_after = wait_for_quiet(&cluster, plan.quiet_within).await;
    // Late copies (a takeover that should not have been) would arrive now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut published = faults.entries_added_before_deletions;
    for key in cluster.stream_keys().iter().take(1) {
        published += cluster.redis.entries_added(key).await;
    }
    let figures = count::count(
        &cluster,
        &load.counts(),
        &faults,
        load_took,
        quiet_after,
        published,
    )
    .await;
    (figures, cluster)
}

/// Applies the plan's faults one after another, `fault_every` apart, while the load runs and
/// its notices are on their way.
async fn inflict(cluster: &mut Cluster, plan: &Plan) -> FaultLog {
    let mut log = FaultLog::default();
    for fault in &plan.faults {
        tokio::time::sleep(plan.fault_every).await;
        log.timeline.push((Utc::now(), *fault));
        match *fault {
            Fault::Kill(n) => {
                let instance = &mut cluster.instances[n];
                log.kills.push((instance.name.clone(), Utc::now()));
                instance.kill();
                tokio::time::sleep(plan.down_for).await;
                instance.start().await;
            }
            Fault::Restart(n) => {
                let instance = &mut cluster.instances[n];
                instance.terminate();
                if instance
                    .exited_within(Duration::from_secs(60))
                    .await
                    .is_none()
                {
                    panic!("{} did not stop within 60 s of SIGTERM", instance.name);
                }
                log.restarts += 1;
                instance.start().await;
            }
            Fault::DeleteStreams => {
                let keys = cluster.stream_keys();
                log.entries_added_before_deletions += cluster.redis.entries_added(&keys[0]).await;
                cluster.redis.delete(&keys).await;
                log.deletions += 1;
            }
            Fault::PauseRedis(d) => {
                cluster.redis.pause(d).await;
                log.pauses += 1;
            }
        }
    }
    log
}

/// Waits until the outbox is relayed and no delivery is still on its way; how long that took,
/// or `None` if it did not happen within `within`.
async fn wait_for_quiet(cluster: &Cluster, within: Duration) -> Option<Duration> {
    use entity::{notification_deliveries as deliveries, outbox};
    let started = Instant::now();
    loop {
        let unpublished = outbox::Entity::find()
            .filter(outbox::Column::PublishedAt.is_null())
            .count(&cluster.db)
            .await
            .unwrap_or(1);
        let open = deliveries::Entity::find()
            .filter(deliveries::Column::State.is_not_in(count::FINAL_STATES))
            .count(&cluster.db)
            .await
            .unwrap_or(1);
        if unpublished == 0 && open == 0 {
            return Some(started.elapsed());
        }
        if started.elapsed() >= within {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
