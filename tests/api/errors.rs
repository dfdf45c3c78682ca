//! One error model: every failure, including the framework's own, answers the stable JSON shape
//! with the right status, and every response carries `x-request-id`.

use reqwest::Method;
use serde_json::json;
use tests::both_backends;

both_backends! {
    async fn a_nul_character_anywhere_is_a_client_error_not_a_500(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let (_, operator) = app.staff_token("operator", "120101").await;
        let (_, worker) = app.staff_token("caseworker", "120101001001").await;
        let (_, resident) = app.resident_login("o_nul").await;
        let probes: Vec<(Method, String, Option<&str>, Option<serde_json::Value>)> = vec![
            (Method::GET, "/api/v1/jurisdictions/12%00".into(), Some(&admin), None),
            (Method::GET, "/api/v1/jurisdictions/1201%0001/children".into(), Some(&admin), None),
            (Method::GET, "/api/v1/admin/entry-points?jurisdiction_code=1%00".into(), Some(&admin), None),
            (Method::POST, "/api/v1/admin/entry-points".into(), Some(&admin),
             Some(json!({"jurisdiction_code": "1201\u{0}01001001", "label": "海报", "channel": "poster"}))),
            (Method::POST, "/api/v1/scans".into(), None, Some(json!({"scene": "ab\u{0}cd"}))),
            (Method::GET, "/s/ab%00cd".into(), None, None),
            (Method::GET, "/api/v1/hotline/callers/1381234%005678".into(), Some(&operator), None),
            (Method::GET, "/api/v1/staff/applications?q=%E7%A7%80%00".into(), Some(&worker), None),
            (Method::POST, "/api/v1/applications".into(), Some(&resident.access),
             Some(tests::application_body("temporary_assistance", "1201\u{0}01001001", &tests::id_number("19600101", "611")))),
        ];
        for (method, path, token, body) in probes {
            let res = app.send(method.clone(), &path, token, body.as_ref()).await;
            let status = res.status.as_u16();
            assert!((400..500).contains(&status), "{method} {path}: {status} {}", res.text);
            assert!(res.body["error"]["code"].is_string() || status == 404, "{method} {path}: {}", res.text);
        }
    }

    async fn malformed_json_is_a_400_with_the_standard_shape(app) {
        let res = app
            .client
            .post(app.url("/api/v1/auth/staff/login"))
            .header("content-type", "application/json")
            .body("{\"username\": ")
            .send()
            .await
            .unwrap();
        let res = tests::into_test_response(res).await;
        res.assert_error(400, "malformed_json");
        assert!(res.headers.contains_key("x-request-id"));
    }

    async fn the_wrong_content_type_is_a_415(app) {
        let res = app
            .client
            .post(app.url("/api/v1/auth/staff/login"))
            .header("content-type", "text/plain")
            .body("username=a&password=b")
            .send()
            .await
            .unwrap();
        tests::into_test_response(res).await.assert_error(415, "unsupported_media_type");
    }

    async fn an_oversized_body_is_a_413(app) {
        let big = json!({"username": "a".repeat(300 * 1024), "password": "x"});
        app.post("/api/v1/auth/staff/login", None, &big).await.assert_error(413, "payload_too_large");
    }

    async fn unknown_routes_and_methods_answer_json(app) {
        let res = app.get("/api/v1/no-such-thing", None).await;
        res.assert_error(404, "route_not_found");
        assert_eq!(res.headers["content-type"], "application/json");
        let res = app.send(Method::DELETE, "/api/v1/auth/staff/login", None, None).await;
        res.assert_error(405, "method_not_allowed");
        assert!(res.headers.contains_key("x-request-id"));
    }

    async fn bad_path_and_query_parameters_are_400s(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120000").await;
        app.patch("/api/v1/admin/staff/not-a-uuid", Some(&admin), &json!({"disabled": true}))
            .await
            .assert_error(400, "invalid_path");
        app.get("/api/v1/admin/staff?limit=lots", Some(&admin)).await.assert_error(400, "invalid_query");
        app.get("/api/v1/admin/staff?cursor=%%%", Some(&admin)).await.assert_status(400);
    }

    async fn missing_and_unknown_fields_are_named(app) {
        let res = app.post("/api/v1/auth/staff/login", None, &json!({"username": "a"})).await;
        res.assert_error(422, "validation_failed");
        assert!(res.body["error"]["fields"]["password"].is_string(), "{}", res.text);
        let res = app
            .post("/api/v1/auth/staff/login", None, &json!({"username": "a", "password": "b", "role": "admin"}))
            .await;
        res.assert_error(422, "validation_failed");
        assert!(res.body["error"]["fields"]["role"].is_string(), "{}", res.text);
    }

    async fn every_response_has_its_own_request_id(app) {
        let a = app.get("/healthz", None).await;
        let b = app.get("/healthz", None).await;
        let c = app.get("/api/v1/jurisdictions/none", None).await;
        let ids: Vec<String> = [&a, &b, &c].iter().map(|r| r.headers["x-request-id"].to_str().unwrap().to_string()).collect();
        assert_eq!(ids.len(), 3);
        assert_ne!(ids[0], ids[1]);
        assert_ne!(ids[1], ids[2]);
        assert!(ids.iter().all(|id| uuid::Uuid::parse_str(id).is_ok()));
    }
}
