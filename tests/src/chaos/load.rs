//! The load of a fault run: every case is applied for, accepted, investigated and then asked
//! for a supplement and supplemented `cycles` times, one step after another, each request sent
//! to the next instance. A request that gets no answer (its instance died) is checked in the
//! database and sent again elsewhere until it has taken effect, as a client retrying would.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::Method;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    application_body,
    chaos::cluster::{COMMUNITY, Cluster},
    id_number,
};

/// What the load saw of the service.
#[derive(Debug, Default, Clone)]
pub struct LoadCounts {
    /// Transitions answered 2xx.
    pub transitions: usize,
    /// Transitions that took effect although their answer was lost with the instance.
    pub applied_unanswered: usize,
    /// Answers with a 5xx status.
    pub server_errors: usize,
    /// Requests that got no answer and were sent again.
    pub retried: usize,
    /// Case versions whose transition was answered 2xx and notifies the resident.
    pub resident_versions: Vec<(Uuid, i32)>,
}

/// A case of the run: its resident and, once applied for, its id and version.
#[derive(Debug, Clone)]
pub struct Case {
    pub index: usize,
    pub openid: String,
    pub resident_token: String,
    pub id: Option<Uuid>,
    pub version: i32,
}

#[derive(Debug, Clone)]
enum Step {
    Apply,
    Act(&'static str, Value),
    Supplement(String),
}

impl Step {
    fn notifies_resident(&self) -> bool {
        !matches!(self, Step::Supplement(_))
    }
}

/// The supplement tag of a case's cycle, which the resident's notice carries.
pub fn tag(case: usize, cycle: usize) -> String {
    format!("k{case:03}c{cycle:03}")
}

pub struct Load {
    client: reqwest::Client,
    bases: Vec<String>,
    caseworker: String,
    next: AtomicUsize,
    counts: Mutex<LoadCounts>,
    db: DatabaseConnection,
}

impl Load {
    pub fn new(cluster: &Cluster, caseworker: String) -> Arc<Load> {
        Arc::new(Load {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("HTTP client"),
            bases: cluster.instances.iter().map(|i| i.url("")).collect(),
            caseworker,
            next: AtomicUsize::new(0),
            counts: Mutex::new(LoadCounts::default()),
            db: cluster.db.clone(),
        })
    }

    pub fn counts(&self) -> LoadCounts {
        self.counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn count(&self, f: impl FnOnce(&mut LoadCounts)) {
        f(&mut self.counts.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Takes one case through all its steps, `pause` apart.
    pub async fn drive(self: Arc<Self>, mut case: Case, cycles: usize, pause: Duration) {
        let mut steps = vec![
            Step::Apply,
            Step::Act("accept", json!({})),
            Step::Act("start_investigation", json!({})),
        ];
        for c in 0..cycles {
            steps.push(Step::Act(
                "request_supplement",
                json!({"items": [tag(case.index, c)]}),
            ));
            steps.push(Step::Supplement(format!("已补充第 {c} 次")));
        }
        for step in steps {
            self.perform(&mut case, &step).await;
            tokio::time::sleep(pause).await;
        }
    }

    async fn perform(&self, case: &mut Case, step: &Step) {
        let idempotency_key = Uuid::now_v7().to_string();
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let base = &self.bases[self.next.fetch_add(1, Ordering::Relaxed) % self.bases.len()];
            let (method, path, token, body) = match (step, case.id) {
                (Step::Apply, _) => (
                    Method::POST,
                    "/api/v1/applications".to_string(),
                    &case.resident_token,
                    application_body(
                        "temporary_assistance",
                        COMMUNITY,
                        &id_number(
                            &format!("19{:02}0101", 30 + case.index / 900),
                            &format!("{:03}", case.index % 900),
                        ),
                    ),
                ),
                (Step::Act(action, extra), Some(id)) => {
                    let mut body = json!({"action": action, "expected_version": case.version});
                    if let (Some(o), Value::Object(extra)) = (body.as_object_mut(), extra.clone()) {
                        o.extend(extra);
                    }
                    (
                        Method::POST,
                        format!("/api/v1/staff/applications/{id}/transitions"),
                        &self.caseworker,
                        body,
                    )
                }
                (Step::Supplement(note), Some(id)) => (
                    Method::POST,
                    format!("/api/v1/applications/{id}/supplement"),
                    &case.resident_token,
                    json!({"note": note}),
                ),
                (_, None) => unreachable!("a case is applied for first"),
            };
            let sent = self
                .client
                .request(method, format!("{base}{path}"))
                .bearer_auth(token)
                .header("Idempotency-Key", &idempotency_key)
                .json(&body)
                .send()
                .await;
            match sent {
                Ok(res) if res.status().is_success() => {
                    let body: Value = res.json().await.unwrap_or(Value::Null);
                    if let Some(id) = body["id"].as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                        case.id = Some(id);
                    }
                    case.version = body["version"].as_i64().unwrap_or_default() as i32;
                    let (id, version) = (case.id, case.version);
                    self.count(|c| {
                        c.transitions += 1;
                        if step.notifies_resident()
                            && let Some(id) = id
                        {
                            c.resident_versions.push((id, version));
                        }
                    });
                    return;
                }
                Ok(res) if res.status().is_server_error() => {
                    self.count(|c| c.server_errors += 1);
                }
                // A conflict is only expected when an earlier, unanswered try took effect.
                Ok(res) if res.status() == reqwest::StatusCode::CONFLICT => {}
                Ok(res) => {
                    let status = res.status();
                    let text = res.text().await.unwrap_or_default();
                    panic!("{step:?} on case {} answered {status}: {text}", case.index);
                }
                Err(_) => self.count(|c| c.retried += 1),
            }
            if let Some(version) = self.took_effect(case, step).await {
                case.version = version;
                self.count(|c| c.applied_unanswered += 1);
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{step:?} on case {} never took effect",
                case.index
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Whether an unanswered try of `step` took effect: the case's version moved on (the load
    /// is the only one acting on it). A lost application is simply sent again: its
    /// `Idempotency-Key` replays the first answer.
    async fn took_effect(&self, case: &Case, step: &Step) -> Option<i32> {
        let id = case.id?;
        let stored = entity::applications::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .ok()??;
        match step {
            Step::Apply => None,
            Step::Act(..) | Step::Supplement(_) => {
                (stored.version > case.version).then_some(stored.version)
            }
        }
    }
}
