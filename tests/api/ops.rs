//! Health, readiness (with dependencies down), metrics, graceful shutdown and the API docs.

use tests::{Backend, TestApp, both_backends};

both_backends! {
    async fn health_and_readiness_answer_when_everything_is_up(app) {
        let health = app.get("/healthz", None).await;
        health.assert_status(200);
        assert_eq!(health.body["status"], "ok");
        let ready = app.get("/readyz", None).await;
        ready.assert_status(200);
        assert_eq!(ready.body["checks"]["database"], "ok");
        let redis_expected = app.backend == Backend::Postgres;
        assert_eq!(ready.body["checks"].get("redis").is_some(), redis_expected, "{}", ready.text);
    }

    async fn metrics_count_requests_by_matched_route_not_raw_path(app) {
        app.seed_demo().await;
        app.get("/api/v1/jurisdictions/120101", None).await.assert_status(200);
        app.get("/api/v1/jurisdictions/120101", None).await.assert_status(200);
        let res = app.get("/metrics", None).await;
        res.assert_status(200);
        let line = res
            .text
            .lines()
            .find(|l| l.starts_with("ztc_http_requests_total{") && l.contains("route=\"/api/v1/jurisdictions/{code}\"") && l.contains("status=\"200\""))
            .unwrap_or_else(|| panic!("no request counter in:\n{}", res.text));
        assert!(line.ends_with(" 2"), "{line}");
        assert!(!res.text.contains("/api/v1/jurisdictions/120101"));
        assert!(res.text.contains("ztc_http_request_duration_seconds_bucket"));
        assert!(res.text.contains("ztc_db_pool_connections"));
    }

    async fn the_committed_openapi_document_matches_the_code_and_docs_are_served(app) {
        let committed = std::fs::read_to_string(api_docs::committed_path()).unwrap();
        assert!(
            committed == api_docs::generate().unwrap(),
            "api-docs/openapi.json is stale: run `cargo run -p api-docs`"
        );
        let doc = app.get("/api-docs/openapi.json", None).await;
        doc.assert_status(200);
        assert_eq!(doc.body["openapi"], "3.1.0");
        assert!(doc.body["paths"]["/api/v1/auth/staff/login"]["post"].is_object());
        let redirect = app.get("/docs", None).await;
        assert_eq!(redirect.status, 308);
        let ui = app.get("/docs/", None).await;
        ui.assert_status(200);
        assert!(ui.text.to_lowercase().contains("swagger"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_with_503_when_the_database_is_gone() {
    let app = tests::spawn_app(Backend::Postgres).await;
    app.get("/readyz", None).await.assert_status(200);
    let name = app
        .raw
        .database_url
        .clone()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let admin = sea_orm::Database::connect(format!("{}/postgres", tests::pg_admin_url()))
        .await
        .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &admin,
        &format!("DROP DATABASE \"{name}\" WITH (FORCE)"),
    )
    .await
    .unwrap();
    let res = app.get("/readyz", None).await;
    res.assert_error(503, "not_ready");
    assert!(
        res.body["error"]["fields"]["database"].is_string(),
        "{}",
        res.text
    );
    // Liveness is unaffected: the process is fine, its dependency is not.
    app.get("/healthz", None).await.assert_status(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_with_503_when_redis_is_unreachable() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|raw| {
            raw.redis_url = Some("redis://127.0.0.1:1".into());
        })
        .spawn()
        .await;
    let res = app.get("/readyz", None).await;
    res.assert_error(503, "not_ready");
    assert!(res.body["error"]["fields"]["redis"].is_string());
    assert!(res.body["error"]["fields"].get("database").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_accepting_and_cancels_background_work() {
    let app = tests::spawn_app(Backend::Sqlite).await;
    app.get("/healthz", None).await.assert_status(200);
    let token = app.state.shutdown.clone();
    let address = app.address.clone();
    drop(app);
    assert!(token.is_cancelled(), "background work was not told to stop");
    let refused = reqwest::Client::new()
        .get(format!("{address}/healthz"))
        .send()
        .await;
    assert!(refused.is_err(), "server still accepting after shutdown");
}

#[test]
fn the_readme_documents_every_setting() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    for (name, _, _) in zhitongche::config::SETTINGS_DOC {
        assert!(
            readme.contains(&format!("`{name}`")),
            "README.md does not document {name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housekeeping_removes_only_long_expired_sessions_and_old_keys() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let app = tests::spawn_app(Backend::Sqlite).await;
    let (_, fresh) = app.resident_login("o_fresh").await;
    let (old_id, _) = app.resident_login("o_old").await;
    let now = chrono::Utc::now();
    entity::refresh_tokens::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        family_id: Set(uuid::Uuid::now_v7()),
        principal_kind: Set("resident".into()),
        principal_id: Set(old_id),
        token_hash: Set("0".repeat(64)),
        expires_at: Set(now - chrono::Duration::days(31)),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now - chrono::Duration::days(45)),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    for (key, age) in [("old-push", 8), ("recent-push", 1)] {
        entity::wechat_push_events::ActiveModel {
            key: Set(key.into()),
            received_at: Set(now - chrono::Duration::days(age)),
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    let purged = zhitongche::housekeeping::run_once(&app.state)
        .await
        .unwrap();
    assert_eq!(purged.refresh_tokens, 1);
    assert_eq!(purged.push_events, 1);
    let kept = entity::wechat_push_events::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].key, "recent-push");
    assert_eq!(
        entity::refresh_tokens::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .len(),
        2
    );
    // The live session still refreshes.
    app.post(
        "/api/v1/auth/refresh",
        None,
        &serde_json::json!({"refresh_token": fresh.refresh}),
    )
    .await
    .assert_status(200);
}
