//! The console through HTTP: its page and security headers, the root redirect, the refresh
//! cookie (HttpOnly, guarded by the client header), and what the API added for it: allowed
//! actions, working days left, community search, assignees, the street overview, the unread
//! count, password resets and scans of a URL code's link.

use reqwest::header;
use serde_json::json;
use tests::{TestApp, application_body, both_backends, id_number, into_test_response};

const FUAN: &str = "120101001001";
const XINJIN: &str = "120101001002";

fn cookie_of(res: &tests::TestResponse) -> Option<String> {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ztc_refresh="))
        .map(str::to_string)
}

async fn post_with(
    app: &TestApp,
    path: &str,
    body: serde_json::Value,
    cookie: Option<&str>,
    client_header: bool,
) -> tests::TestResponse {
    let mut req = app.client.post(app.url(path)).json(&body);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    if client_header {
        req = req.header("X-Ztc-Client", "console");
    }
    into_test_response(req.send().await.unwrap()).await
}

/// `ztc_refresh=…` of a Set-Cookie line, as a browser sends it back.
fn sent(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

async fn new_case(app: &TestApp, openid: &str, seq: &str) -> String {
    let (_, resident) = app.resident_login(openid).await;
    let res = app
        .apply(
            &resident.access,
            &application_body("temporary_assistance", FUAN, &id_number("19600101", seq)),
        )
        .await;
    res.assert_status(201);
    res.body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_root_leads_to_the_console_and_its_page_is_served_under_a_strict_policy() {
    let app = tests::spawn_app(tests::Backend::Sqlite).await;
    let root = app.get("/", None).await;
    root.assert_status(302);
    assert_eq!(root.headers[header::LOCATION], "/console/");
    let page = app.get("/console/", None).await;
    page.assert_status(200);
    assert_eq!(
        page.headers[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(page.headers[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-cache");
    assert!(page.text.contains("js/main.js"));
    let js = app.get("/console/js/api.js", None).await;
    js.assert_status(200);
    assert_eq!(
        js.headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    // Revalidation answers 304 with the same ETag.
    let etag = js.headers[header::ETAG].to_str().unwrap().to_string();
    let again = app
        .client
        .get(app.url("/console/js/api.js"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    app.get("/console/js/nope.js", None)
        .await
        .assert_error(404, "route_not_found");
    app.get("/console/../Cargo.toml", None)
        .await
        .assert_status(404);
}

both_backends! {
    async fn the_console_session_lives_in_an_http_only_cookie_that_needs_the_client_header(app) {
        app.seed_demo().await;
        let staff = app.create_staff("caseworker", FUAN).await;
        let login_body = json!({"username": staff.username, "password": staff.password, "refresh_cookie": true});
        // Cookie mode is for the console: without its header the login is refused.
        post_with(&app, "/api/v1/auth/staff/login", login_body.clone(), None, false).await
            .assert_error(403, "client_header_required");
        let login = post_with(&app, "/api/v1/auth/staff/login", login_body, None, true).await;
        login.assert_status(200);
        assert!(login.body["access_token"].is_string());
        assert!(login.body.get("refresh_token").is_none(), "{}", login.text);
        let set = cookie_of(&login).expect("a refresh cookie");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth", "Max-Age="] {
            assert!(set.contains(flag), "{set}");
        }
        assert!(!set.contains("Secure"), "development runs on plain HTTP: {set}");
        let cookie = sent(&set);

        // A page elsewhere could make the browser send the cookie, but not the header.
        post_with(&app, "/api/v1/auth/refresh", json!({}), Some(&cookie), false).await
            .assert_error(403, "client_header_required");
        let refreshed = post_with(&app, "/api/v1/auth/refresh", json!({}), Some(&cookie), true).await;
        refreshed.assert_status(200);
        assert!(refreshed.body.get("refresh_token").is_none());
        let rotated = sent(&cookie_of(&refreshed).expect("a rotated cookie"));
        assert_ne!(rotated, cookie);
        let me = app.get("/api/v1/staff/me", Some(refreshed.body["access_token"].as_str().unwrap())).await;
        me.assert_status(200);

        // The old cookie again is reuse: the family ends and the cookie is removed.
        let reused = post_with(&app, "/api/v1/auth/refresh", json!({}), Some(&cookie), true).await;
        reused.assert_error(401, "refresh_token_reused");
        assert!(cookie_of(&reused).unwrap().contains("Max-Age=0"));
        post_with(&app, "/api/v1/auth/refresh", json!({}), Some(&rotated), true).await
            .assert_error(401, "invalid_refresh_token");

        // Logout through the cookie ends the family and removes the cookie.
        let again = post_with(&app, "/api/v1/auth/staff/login",
            json!({"username": staff.username, "password": staff.password, "refresh_cookie": true}), None, true).await;
        let cookie = sent(&cookie_of(&again).unwrap());
        let out = post_with(&app, "/api/v1/auth/logout", json!({}), Some(&cookie), true).await;
        out.assert_status(204);
        assert!(cookie_of(&out).unwrap().contains("Max-Age=0"));
        post_with(&app, "/api/v1/auth/refresh", json!({}), Some(&cookie), true).await
            .assert_error(401, "invalid_refresh_token");
        // Clients that keep the token themselves are unaffected.
        let plain = app.login(&staff).await;
        let r = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": plain.refresh})).await;
        r.assert_status(200);
        assert!(r.body["refresh_token"].is_string());
        assert!(cookie_of(&r).is_none());
    }

    async fn a_case_says_which_actions_its_reader_may_take_and_how_many_working_days_are_left(app) {
        app.seed_demo().await;
        let id = new_case(&app, "o_allowed", "311").await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let (_, operator) = app.staff_token("operator", "120000").await;
        let read = |t: String| { let app = &app; let id = id.clone(); async move {
            let r = app.get(&format!("/api/v1/staff/applications/{id}"), Some(&t)).await;
            r.assert_status(200);
            r.body
        }};
        let as_worker = read(worker.clone()).await;
        let actions: Vec<&str> = as_worker["allowed_actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        assert_eq!(actions, ["accept", "request_supplement", "assign", "transfer"]);
        assert!(as_worker["sla"]["working_days_left"].as_i64().unwrap() >= 0);
        let as_approver = read(approver.clone()).await;
        let actions: Vec<&str> = as_approver["allowed_actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        assert_eq!(actions, ["accept", "request_supplement", "reject", "assign", "transfer"], "not urgent: no 先行救助");
        assert_eq!(read(operator).await["allowed_actions"], json!([]));
        // Each listed action is one the transition endpoint takes.
        app.act(&worker, &id, "accept", json!({})).await.assert_status(200);
        let after = read(worker.clone()).await;
        assert!(!after["allowed_actions"].as_array().unwrap().contains(&json!("accept")));
        let list = app.get("/api/v1/staff/applications", Some(&worker)).await;
        assert!(list.body["items"][0]["working_days_left"].is_i64(), "{}", list.text);
    }

    async fn operators_find_a_community_by_part_of_its_name_inside_their_jurisdiction(app) {
        app.seed_demo().await;
        let (_, city) = app.staff_token("operator", "120000").await;
        let found = app.get("/api/v1/staff/jurisdictions?q=%E7%A6%8F%E5%AE%89&level=community", Some(&city)).await;
        found.assert_status(200);
        assert_eq!(found.body["items"][0]["code"], FUAN);
        assert_eq!(found.body["items"][0]["name"], "福安社区");
        assert_eq!(found.body["items"][0]["context"], "和平区 › 劝业场街道");
        let (_, hexi) = app.staff_token("operator", "120103").await;
        let outside = app.get("/api/v1/staff/jurisdictions?q=%E7%A6%8F%E5%AE%89", Some(&hexi)).await;
        assert_eq!(outside.body["items"], json!([]));
        app.get("/api/v1/staff/jurisdictions?q=", Some(&city)).await.assert_error(422, "validation_failed");
        app.get("/api/v1/staff/jurisdictions?q=x", None).await.assert_error(401, "missing_token");
    }

    async fn an_approver_sees_who_may_take_a_case_and_the_overview_counts_by_street(app) {
        app.seed_demo().await;
        let id = new_case(&app, "o_assignees", "321").await;
        let fuan_worker = app.create_staff("caseworker", FUAN).await;
        app.create_staff("caseworker", XINJIN).await;
        app.create_staff("approver", "120101001").await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let list = app.get(&format!("/api/v1/staff/applications/{id}/assignees"), Some(&approver)).await;
        list.assert_status(200);
        let ids: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [fuan_worker.id.to_string()]);
        let (_, hexi) = app.staff_token("supervisor", "120103").await;
        app.get(&format!("/api/v1/staff/applications/{id}/assignees"), Some(&hexi)).await
            .assert_error(404, "application_not_found");

        let (_, district) = app.staff_token("supervisor", "120101").await;
        let overview = app.get("/api/v1/staff/applications/overview", Some(&district)).await;
        overview.assert_status(200);
        assert_eq!(overview.body["total"]["open"], 1);
        assert_eq!(overview.body["streets"][0]["street"]["code"], "120101001");
        assert_eq!(app.get("/api/v1/staff/applications/overview", Some(&hexi)).await.body["total"]["open"], 0);
    }

    async fn the_inbox_counts_unread_notices_and_marks_them_all_read(app) {
        app.seed_demo().await;
        let (worker, token) = app.staff_token("caseworker", FUAN).await;
        new_case(&app, "o_unread", "331").await;
        tests::eventually(20, "the new case's notice", || async {
            (!app.inbox_of(worker.id).await.is_empty()).then_some(())
        }).await;
        let count = app.get("/api/v1/staff/notifications/unread-count", Some(&token)).await;
        assert_eq!(count.body["unread"], 1);
        let all = app.post("/api/v1/staff/notifications/read-all", Some(&token), &json!({})).await;
        assert_eq!(all.body["unread"], 0);
        assert_eq!(app.get("/api/v1/staff/notifications/unread-count", Some(&token)).await.body["unread"], 0);
    }

    async fn an_admin_resets_a_password_and_the_old_sessions_end(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120000").await;
        let worker = app.create_staff("caseworker", FUAN).await;
        let old = app.login(&worker).await;
        let path = format!("/api/v1/admin/staff/{}/password", worker.id);
        app.post(&path, Some(&admin), &json!({"password": "short"})).await.assert_error(422, "validation_failed");
        app.post(&path, Some(&admin), &json!({"password": "Another-long-pass-7"})).await.assert_status(204);
        app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": old.refresh})).await
            .assert_error(401, "invalid_refresh_token");
        app.post("/api/v1/auth/staff/login", None, &json!({"username": worker.username, "password": worker.password})).await
            .assert_error(401, "invalid_credentials");
        app.post("/api/v1/auth/staff/login", None, &json!({"username": worker.username, "password": "Another-long-pass-7"})).await
            .assert_status(200);
        let (_, other_admin) = app.staff_token("admin", "120103").await;
        app.post(&path, Some(&other_admin), &json!({"password": "Another-long-pass-8"})).await
            .assert_error(404, "staff_not_found");
        app.post(&path, Some(&app.staff_token("supervisor", "120000").await.1), &json!({"password": "Another-long-pass-8"})).await
            .assert_error(403, "role_not_allowed");
    }

    async fn a_url_code_opened_in_the_mini_program_is_scanned_through_its_link(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120000").await;
        let entry = app.create_entry_point(&admin, FUAN, "福安社区公告栏").await;
        let link = entry["landing_url"].as_str().unwrap();
        let q: String = link.bytes().map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        }).collect();
        let scan = app.post("/api/v1/scans", None, &json!({"q": q})).await;
        scan.assert_status(200);
        assert_eq!(scan.body["scene"], entry["scene"]);
        assert_eq!(scan.body["jurisdiction"]["code"], FUAN);
        app.post("/api/v1/scans", None, &json!({"q": "https%3A%2F%2Fevil.example%2Fs%2FAbC123"})).await
            .assert_error(422, "validation_failed");
        app.post("/api/v1/scans", None, &json!({})).await.assert_error(422, "validation_failed");
    }
}
