//! What the entry-point tests share: a poster in 福安社区 made by a district admin.

use serde_json::Value;
use tests::TestApp;

pub(super) const FUAN: &str = "120101001001";

/// Seeds the demo jurisdictions; returns a 和平区 admin's token and a poster entry point of
/// 福安社区 that admin made.
pub(super) async fn poster(app: &TestApp) -> (String, Value) {
    app.seed_demo().await;
    let (_, admin) = app.staff_token("admin", "120101").await;
    let entry = app.create_entry_point(&admin, FUAN, "海报").await;
    (admin, entry)
}
