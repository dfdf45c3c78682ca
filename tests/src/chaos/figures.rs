//! What a fault run counted, printed as the run's figures, and the verdict on them.

use std::{collections::BTreeMap, fmt, time::Duration};

use chrono::{DateTime, Utc};

#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub transitions: usize,
    pub applied_unanswered: usize,
    pub retried_requests: usize,
    pub server_errors: usize,
    /// Resident notices the outbox holds.
    pub notices: usize,
    /// Subscribe sends the fake WeChat received.
    pub received: usize,
    pub lost: usize,
    /// Second copies after a send that went out and whose instance was killed.
    pub duplicates_explained: usize,
    pub duplicates_unexplained: usize,
    /// Sends that match no transition.
    pub unexpected: usize,
    pub out_of_order: usize,
    /// 2xx transitions concerning the resident with no outbox row.
    pub missing_outbox: usize,
    pub staff_deliveries: usize,
    /// Staff deliveries without their inbox row.
    pub staff_missing: usize,
    /// Deliveries still on their way when the count was made, by state.
    pub not_done: BTreeMap<String, usize>,
    /// Deliveries given up on, by channel.
    pub dead: BTreeMap<String, usize>,
    /// From a transition's commit to its notice reaching the fake WeChat, in seconds.
    pub latency_p50: f64,
    pub latency_p99: f64,
    pub latency_max: f64,
    /// Stream entries added over the run (relay, hand-ons and re-publishes).
    pub published: u64,
    pub kills: usize,
    pub restarts: usize,
    pub deletions: usize,
    pub pauses: usize,
    pub load_took: Duration,
    pub quiet_after: Option<Duration>,
    /// What went wrong, one line per notice, for the failure message.
    pub details: Vec<String>,
    /// The slowest notices: latency, its commit and arrival, which notice.
    pub slowest: Vec<(f64, DateTime<Utc>, DateTime<Utc>, String)>,
    /// The faults, when each began.
    pub timeline: Vec<(DateTime<Utc>, String)>,
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "faults: {} kill -9, {} SIGTERM restarts, {} stream deletions, {} Redis pauses",
            self.kills, self.restarts, self.deletions, self.pauses
        )?;
        writeln!(
            f,
            "load: {} transitions answered 2xx, {} took effect unanswered, {} requests retried, {} 5xx, in {:.1} s",
            self.transitions,
            self.applied_unanswered,
            self.retried_requests,
            self.server_errors,
            self.load_took.as_secs_f64()
        )?;
        writeln!(
            f,
            "quiet: {}",
            match self.quiet_after {
                Some(d) => format!("{:.1} s after the load", d.as_secs_f64()),
                None => "never (bound reached)".into(),
            }
        )?;
        writeln!(
            f,
            "resident notices: {} committed, {} received; lost {}, duplicates {} (+{} after a kill mid-send), unexpected {}, out of order {}, 2xx without outbox {}",
            self.notices,
            self.received,
            self.lost,
            self.duplicates_unexplained,
            self.duplicates_explained,
            self.unexpected,
            self.out_of_order,
            self.missing_outbox
        )?;
        writeln!(
            f,
            "staff notices: {} deliveries, {} without an inbox row",
            self.staff_deliveries, self.staff_missing
        )?;
        writeln!(
            f,
            "not done: {:?}; dead: {:?}; stream entries added: {}",
            self.not_done, self.dead, self.published
        )?;
        write!(
            f,
            "latency commit → WeChat: p50 {:.2} s, p99 {:.2} s, max {:.2} s",
            self.latency_p50, self.latency_p99, self.latency_max
        )
    }
}

impl Figures {
    /// Every way the run can have gone wrong, as one message; `None` when nothing did.
    pub fn failures(&self) -> Option<String> {
        let mut problems = Vec::new();
        for (what, n) in [
            ("notices lost", self.lost),
            ("unexplained duplicates", self.duplicates_unexplained),
            ("unexpected sends", self.unexpected),
            ("notices out of order", self.out_of_order),
            ("2xx transitions without an outbox row", self.missing_outbox),
            ("staff deliveries without an inbox row", self.staff_missing),
            ("5xx answers", self.server_errors),
        ] {
            if n > 0 {
                problems.push(format!("{n} {what}"));
            }
        }
        if !self.not_done.is_empty() {
            problems.push(format!("deliveries never done: {:?}", self.not_done));
        }
        if self.notices == 0 {
            problems.push("no notices at all".into());
        }
        (!problems.is_empty()).then(|| {
            let mut details = self.details.clone();
            details.truncate(40);
            format!("{}\n{}", problems.join(", "), details.join("\n"))
        })
    }
}
