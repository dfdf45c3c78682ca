//! One attempt at a delivery: what a channel reports about it, and keeping its claim alive
//! while it runs.

use entity::notification_deliveries as deliveries;

use crate::{
    notify::store::{self, Outcome},
    state::AppState,
};

/// What a channel reports about one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Done(Outcome),
    /// Worth trying again later (network, 5xx, WeChat -1).
    Transient(String),
    /// Not attempted (too little of the claim left to send in): put back, not counted.
    NotStarted(String),
}

/// Runs `work` (a send) while keeping the claim `d` alive: its lease is renewed every third of
/// `ZTC_NOTIFY_LEASE_SECS`, so a consumer that dies mid-send is taken over one lease after it
/// died, however long the WeChat call may take. Should a renewal fail (the claim ran out under
/// a stalled database), `work` still runs to its end; its result is then fenced off.
pub async fn keeping_claim<T>(
    state: &AppState,
    d: &deliveries::Model,
    work: impl std::future::Future<Output = T>,
) -> T {
    let lease = state.settings.notify.lease;
    let renewing = async {
        loop {
            tokio::time::sleep(lease / 3).await;
            match store::renew(&state.db, d, lease).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(delivery = %d.id, "claim ran out during a send; its outcome will be unknown");
                    break;
                }
                Err(e) => tracing::warn!(delivery = %d.id, error = %e, "could not renew a claim"),
            }
        }
        std::future::pending::<()>().await;
    };
    tokio::select! {
        out = work => out,
        () = renewing => unreachable!("renewing never ends"),
    }
}
