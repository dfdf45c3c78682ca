//! Waiting for what happens in the background (workers, streams), without timed assertions.

use std::time::Duration;

/// Polls `check` until it returns `Some`, failing the test after `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One deadline scan at `now`, run again while the instance's own background scanner holds the
/// scan lock (it scans as the app starts, and a skipped pass would report nothing).
pub async fn scan_deadlines(
    state: &zhitongche::state::AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> zhitongche::applications::sla::ScanReport {
    for _ in 0..100 {
        let report = zhitongche::applications::sla::run_once(state, now)
            .await
            .unwrap();
        if !report.skipped {
            return report;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the deadline scan lock stayed taken for 5 s");
}
