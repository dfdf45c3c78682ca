//! Rate limits on scans: rescans always answer but count at most three times; a flood from
//! one address is refused with 429 and a page that still gives the hotline.

use serde_json::json;
use tests::{Backend, TestApp, both_backends};

async fn entry(app: &TestApp) -> (String, String, String) {
    app.seed_demo().await;
    let (_, admin) = app.staff_token("admin", "120000").await;
    let ep = app
        .create_entry_point(&admin, "120101001001", "社区服务站海报")
        .await;
    (
        ep["id"].as_str().unwrap().to_string(),
        ep["scene"].as_str().unwrap().to_string(),
        admin,
    )
}

both_backends! {
    async fn rescanning_always_answers_but_counts_at_most_three_times(app) {
        let (id, scene, admin) = entry(&app).await;
        let (_, resident) = app.resident_login("o_rescan").await;
        for _ in 0..5 {
            let res = app.post("/api/v1/scans", Some(&resident.access), &json!({"scene": scene})).await;
            res.assert_status(200);
            assert_eq!(res.body["jurisdiction"]["name"], "福安社区");
        }
        let stats = app.get(&format!("/api/v1/admin/entry-points/{id}/stats"), Some(&admin)).await;
        stats.assert_status(200);
        assert_eq!(stats.body["totals"]["scans"], 3);
        assert_eq!(stats.body["totals"]["unique_residents"], 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_address_is_refused_with_429_and_a_page_that_still_gives_the_hotline() {
    let app = tests::spawn_app(Backend::Sqlite).await;
    let (_, scene, _) = entry(&app).await;
    let mut statuses = Vec::new();
    for _ in 0..FLOOD_LIMIT {
        statuses.push(
            app.post("/api/v1/scans", None, &json!({"scene": scene}))
                .await
                .status
                .as_u16(),
        );
    }
    assert!(statuses.iter().all(|s| *s == 200));
    let refused = app
        .post("/api/v1/scans", None, &json!({"scene": scene}))
        .await;
    refused.assert_error(429, "too_many_requests");
    assert!(refused.headers.contains_key("retry-after"));
    let page = app.get(&format!("/s/{scene}"), None).await;
    assert_eq!(page.status, 429);
    assert!(page.text.contains("tel:12345"), "{}", page.text);
}

/// `zhitongche::ratelimit::FLOOD_PER_MINUTE`, as a count of requests.
const FLOOD_LIMIT: usize = zhitongche::ratelimit::FLOOD_PER_MINUTE as usize;
