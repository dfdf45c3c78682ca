//! Scanning a code: what a scan answers, a disabled or unknown code in words a resident
//! understands, scenes that break WeChat's rules, and the landing page.

use serde_json::json;
use tests::both_backends;

use super::support::{FUAN, poster};

both_backends! {
    async fn a_scan_answers_the_community_its_path_and_what_can_be_applied_for(app) {
        let (_, entry) = poster(&app).await;
        let scene = entry["scene"].as_str().unwrap();
        let res = app.post("/api/v1/scans", None, &json!({"scene": scene})).await;
        res.assert_status(200);
        assert_eq!(res.body["entry_point_id"], entry["id"]);
        assert_eq!(res.body["jurisdiction"]["code"], FUAN);
        assert_eq!(res.body["jurisdiction"]["name"], "福安社区");
        let path: Vec<(&str, &str)> = res.body["jurisdiction"]["path"].as_array().unwrap().iter()
            .map(|n| (n["name"].as_str().unwrap(), n["level"].as_str().unwrap())).collect();
        assert_eq!(path, [("天津市", "city"), ("和平区", "district"), ("劝业场街道", "street"), ("福安社区", "community")]);
        let types: Vec<&str> = res.body["assistance_types"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert!(types.contains(&"最低生活保障") || types.iter().any(|t| t.contains("低保")), "{types:?}");
        assert_eq!(res.body["hotline"], "12345");
        let (_, tokens) = app.resident_login("oScanner0000001").await;
        app.post("/api/v1/scans", Some(&tokens.access), &json!({"scene": scene})).await.assert_status(200);
        app.post("/api/v1/scans", Some("not-a-token"), &json!({"scene": scene})).await.assert_error(401, "invalid_token");
    }

    async fn a_disabled_or_unknown_code_answers_404_in_words_a_resident_understands(app) {
        let (admin, entry) = poster(&app).await;
        let scene = entry["scene"].as_str().unwrap();
        let id = entry["id"].as_str().unwrap();
        app.patch(&format!("/api/v1/admin/entry-points/{id}"), Some(&admin), &json!({"enabled": false})).await.assert_status(200);
        for s in [scene, "UnknownScene99"] {
            let res = app.post("/api/v1/scans", None, &json!({"scene": s})).await;
            res.assert_error(404, "entry_point_not_found");
            assert!(res.body["error"]["message"].as_str().unwrap().contains("二维码已失效"), "{}", res.text);
            assert!(res.body["error"]["message"].as_str().unwrap().contains("12345"));
        }
        let (status, headers, body) = app.get_bytes(&format!("/s/{scene}"), None).await;
        assert_eq!(status, 404);
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(String::from_utf8(body).unwrap().contains("tel:12345"));
        // Re-enabled, it works again.
        app.patch(&format!("/api/v1/admin/entry-points/{id}"), Some(&admin), &json!({"enabled": true})).await.assert_status(200);
        app.post("/api/v1/scans", None, &json!({"scene": scene})).await.assert_status(200);
    }

    async fn a_scene_that_breaks_wechats_rules_is_refused_with_422(app) {
        for bad in ["", "a%20b", "福安社区", &"a".repeat(33)] {
            let res = app.post("/api/v1/scans", None, &json!({"scene": bad})).await;
            res.assert_error(422, "validation_failed");
            assert!(res.body["error"]["fields"]["scene"].is_string(), "{bad}: {}", res.text);
        }
        app.post("/api/v1/scans", None, &json!({"scene": "ok", "jurisdiction": "x"})).await.assert_error(422, "validation_failed");
    }

    async fn the_landing_page_names_the_community_and_escapes_what_it_shows(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        app.post("/api/v1/admin/jurisdictions", Some(&admin),
                 &json!({"code": "120101001099", "name": "<b>阳光&社区</b>", "level": "community", "parent_code": "120101001"}))
            .await
            .assert_status(201);
        let entry = app.create_entry_point(&admin, "120101001099", "海报").await;
        let scene = entry["scene"].as_str().unwrap();
        let (status, headers, body) = app.get_bytes(&format!("/s/{scene}"), None).await;
        assert_eq!(status, 200);
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
        let html = String::from_utf8(body).unwrap();
        assert!(html.contains("&lt;b&gt;阳光&amp;社区&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>阳光"));
        assert!(html.contains("href=\"tel:12345\""));
        assert!(html.contains("微信"));
        assert!(html.contains("name=\"viewport\""));
        let (status, _, body) = app.get_bytes("/s/no-such-scene", None).await;
        assert_eq!(status, 404);
        assert!(String::from_utf8(body).unwrap().contains("二维码已失效"));
    }
}
