//! QR entry points: creation inside a subtree, scenes, QR images (decoded), the 小程序码 cache,
//! scans, the landing page and the funnel.

use serde_json::json;
use tests::{Backend, TestApp, both_backends};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, method, path, query_param},
};

const FUAN: &str = "120101001001";

/// The text a QR PNG encodes.
fn decode_qr(png: &[u8]) -> String {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

fn png_bytes() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(b"fake-wxacode-image-bytes");
    png
}

both_backends! {
    async fn an_admin_creates_an_entry_point_for_a_community_with_an_unguessable_scene(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let a = app.create_entry_point(&admin, FUAN, "3号楼门厅海报").await;
        let b = app.create_entry_point(&admin, FUAN, "社区服务站").await;
        assert_eq!(a["jurisdiction_code"], FUAN);
        assert_eq!(a["label"], "3号楼门厅海报");
        assert_eq!(a["channel"], "poster");
        assert_eq!(a["enabled"], true);
        let scene = a["scene"].as_str().unwrap();
        assert!(scene.len() >= 10 && scene.len() <= 32, "{scene}");
        assert!(scene.chars().all(|c| c.is_ascii_alphanumeric()), "{scene}");
        assert_ne!(a["scene"], b["scene"]);
        let common = scene.chars().zip(b["scene"].as_str().unwrap().chars()).take_while(|(x, y)| x == y).count();
        assert!(common < 6, "neighbouring scenes look alike: {a} {b}");
        assert_eq!(a["landing_url"], format!("{}/s/{scene}", app.state.settings.public_base_url));
        let id = a["id"].as_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
        assert!(a["created_at"].is_string());
    }

    async fn entry_points_go_to_communities_inside_the_callers_subtree_only(app) {
        app.seed_demo().await;
        let (_, heping) = app.staff_token("supervisor", "120101").await;
        // 下瓦房街道's communities are in 河西区, outside 和平区.
        let outside = app.get("/api/v1/jurisdictions/120103002/children", None).await;
        let other_community = outside.body["items"][0]["code"].as_str().unwrap().to_string();
        app.post("/api/v1/admin/entry-points", Some(&heping),
                 &json!({"jurisdiction_code": other_community, "label": "越界", "channel": "poster"}))
            .await
            .assert_error(403, "outside_jurisdiction");
        let street = app.post("/api/v1/admin/entry-points", Some(&heping),
                 &json!({"jurisdiction_code": "120101001", "label": "街道", "channel": "poster"})).await;
        street.assert_error(422, "validation_failed");
        assert!(street.body["error"]["fields"]["jurisdiction_code"].as_str().unwrap().contains("社区"));
        let bad = app.post("/api/v1/admin/entry-points", Some(&heping),
                 &json!({"jurisdiction_code": "999", "label": "", "channel": "billboard"})).await;
        bad.assert_error(422, "validation_failed");
        for f in ["jurisdiction_code", "label", "channel"] {
            assert!(bad.body["error"]["fields"][f].is_string(), "{f}: {}", bad.text);
        }
        let (_, caseworker) = app.staff_token("caseworker", FUAN).await;
        app.post("/api/v1/admin/entry-points", Some(&caseworker),
                 &json!({"jurisdiction_code": FUAN, "label": "x", "channel": "poster"}))
            .await
            .assert_error(403, "role_not_allowed");
        app.post("/api/v1/admin/entry-points", None,
                 &json!({"jurisdiction_code": FUAN, "label": "x", "channel": "poster"}))
            .await
            .assert_error(401, "missing_token");
    }

    async fn listing_renaming_and_disabling_stay_inside_the_subtree(app) {
        app.seed_demo().await;
        let (_, city) = app.staff_token("admin", "120000").await;
        let (_, heping) = app.staff_token("supervisor", "120101").await;
        let hexi_community = app.get("/api/v1/jurisdictions/120103002/children", None).await.body["items"][0]["code"].as_str().unwrap().to_string();
        let fuan = app.create_entry_point(&heping, FUAN, "福安海报").await;
        let xinjin = app.create_entry_point(&heping, "120101001002", "新津海报").await;
        let hexi = app.create_entry_point(&city, &hexi_community, "河西海报").await;

        let mine = app.get("/api/v1/admin/entry-points", Some(&heping)).await;
        mine.assert_status(200);
        let ids: Vec<&str> = mine.body["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [fuan["id"].as_str().unwrap(), xinjin["id"].as_str().unwrap()]);
        let filtered = app.get(&format!("/api/v1/admin/entry-points?jurisdiction_code={FUAN}"), Some(&heping)).await;
        assert_eq!(filtered.body["items"].as_array().unwrap().len(), 1);
        let page = app.get("/api/v1/admin/entry-points?limit=2", Some(&city)).await;
        assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
        let next = page.body["next_cursor"].as_str().unwrap();
        let rest = app.get(&format!("/api/v1/admin/entry-points?limit=2&cursor={next}"), Some(&city)).await;
        assert_eq!(rest.body["items"][0]["id"], hexi["id"]);

        let hexi_id = hexi["id"].as_str().unwrap();
        app.get(&format!("/api/v1/admin/entry-points/{hexi_id}"), Some(&heping)).await.assert_error(404, "entry_point_not_found");
        app.patch(&format!("/api/v1/admin/entry-points/{hexi_id}"), Some(&heping), &json!({"enabled": false}))
            .await
            .assert_error(404, "entry_point_not_found");
        app.get(&format!("/api/v1/admin/entry-points/{hexi_id}/stats"), Some(&heping)).await.assert_error(404, "entry_point_not_found");

        let fuan_id = fuan["id"].as_str().unwrap();
        let renamed = app.patch(&format!("/api/v1/admin/entry-points/{fuan_id}"), Some(&heping), &json!({"label": " 福安社区大门 "})).await;
        renamed.assert_status(200);
        assert_eq!(renamed.body["label"], "福安社区大门");
        assert_eq!(renamed.body["scene"], fuan["scene"]);
        app.patch(&format!("/api/v1/admin/entry-points/{fuan_id}"), Some(&heping), &json!({"scene": "mine"}))
            .await
            .assert_error(422, "validation_failed");
        let disabled = app.patch(&format!("/api/v1/admin/entry-points/{fuan_id}"), Some(&heping), &json!({"enabled": false})).await;
        assert_eq!(disabled.body["enabled"], false);
    }

    async fn a_scan_answers_the_community_its_path_and_what_can_be_applied_for(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let entry = app.create_entry_point(&admin, FUAN, "海报").await;
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
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let entry = app.create_entry_point(&admin, FUAN, "海报").await;
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

    async fn the_url_qr_code_decodes_to_the_landing_url(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let entry = app.create_entry_point(&admin, FUAN, "海报").await;
        let id = entry["id"].as_str().unwrap();
        let (status, headers, png) = app.get_bytes(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=url&format=png"), Some(&admin)).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/png");
        assert_eq!(decode_qr(&png), entry["landing_url"].as_str().unwrap());
        let (status, headers, svg) = app.get_bytes(&format!("/api/v1/admin/entry-points/{id}/qrcode?format=svg"), Some(&admin)).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/svg+xml");
        assert!(String::from_utf8(svg).unwrap().contains("<svg"));
        let (status, _, poster) = app.get_bytes(&format!("/api/v1/admin/entry-points/{id}/poster"), Some(&admin)).await;
        assert_eq!(status, 200);
        let poster = String::from_utf8(poster).unwrap();
        assert!(poster.contains("福安社区") && poster.contains("12345") && poster.contains("297mm"));
        app.get(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=photo"), Some(&admin)).await.assert_error(400, "invalid_query");
    }

    async fn the_mini_program_code_is_fetched_once_then_served_from_the_cache(app) {
        app.seed_demo().await;
        app.mock_stable_token("TOKEN-QR", None).await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let entry = app.create_entry_point(&admin, FUAN, "海报").await;
        let id = entry["id"].as_str().unwrap();
        Mock::given(method("POST"))
            .and(path("/wxa/getwxacodeunlimit"))
            .and(query_param("access_token", "TOKEN-QR"))
            .and(body_json(json!({"scene": entry["scene"], "page": "pages/entry/index", "check_path": true, "env_version": "release", "width": 860})))
            .respond_with(ResponseTemplate::new(200).insert_header("content-type", "image/png").set_body_bytes(png_bytes()))
            .expect(1)
            .mount(&app.wechat)
            .await;
        for _ in 0..2 {
            let (status, headers, body) = app.get_bytes(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=wxacode"), Some(&admin)).await;
            assert_eq!(status, 200);
            assert_eq!(headers["content-type"], "image/png");
            assert_eq!(body, png_bytes());
        }
        app.get(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=wxacode&format=svg"), Some(&admin))
            .await
            .assert_error(422, "validation_failed");
    }

    async fn a_json_error_from_the_image_endpoint_is_reported_and_never_cached(app) {
        app.seed_demo().await;
        app.mock_stable_token("TOKEN-QR", None).await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let entry = app.create_entry_point(&admin, FUAN, "海报").await;
        let id = entry["id"].as_str().unwrap();
        Mock::given(method("POST"))
            .and(path("/wxa/getwxacodeunlimit"))
            .respond_with(ResponseTemplate::new(200)
                .insert_header("content-type", "image/jpeg")
                .set_body_string(r#"{"errcode":41030,"errmsg":"invalid page rid: 6a1b-2c3d"}"#))
            .up_to_n_times(2)
            .with_priority(1)
            .expect(2)
            .mount(&app.wechat)
            .await;
        for _ in 0..2 {
            let res = app.get(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=wxacode"), Some(&admin)).await;
            res.assert_error(502, "wechat_qrcode_failed");
        }
        let cached = <entity::entry_point_codes::Entity as sea_orm::EntityTrait>::find().all(&app.state.db).await.unwrap();
        assert!(cached.is_empty(), "a JSON error was cached as an image");
        // Once WeChat answers an image, that is what gets served and cached.
        Mock::given(method("POST"))
            .and(path("/wxa/getwxacodeunlimit"))
            .respond_with(ResponseTemplate::new(200).insert_header("content-type", "application/octet-stream").set_body_bytes(png_bytes()))
            .expect(1)
            .mount(&app.wechat)
            .await;
        let (status, _, body) = app.get_bytes(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=wxacode"), Some(&admin)).await;
        assert_eq!(status, 200);
        assert_eq!(body, png_bytes());
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

    async fn an_application_from_a_scanned_code_is_routed_by_it_and_counted_in_the_funnel(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let entry = app.create_entry_point(&admin, FUAN, "楼道海报").await;
        let (id, scene) = (entry["id"].as_str().unwrap(), entry["scene"].as_str().unwrap());
        let (_, resident) = app.resident_login("oSceneApplicant01").await;
        app.post("/api/v1/scans", Some(&resident.access), &json!({"scene": scene})).await.assert_status(200);

        // No community typed: the code routes the case.
        let mut body = tests::application_body("temporary_assistance", FUAN, &tests::id_number("19580101", "031"));
        body.as_object_mut().unwrap().remove("community_code");
        body["scene"] = json!(scene);
        let submitted = app.apply(&resident.access, &body).await;
        submitted.assert_status(201);
        assert_eq!(submitted.body["community"]["code"], FUAN);
        assert_eq!(submitted.body["scene"], scene);
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let queue = app.get("/api/v1/staff/applications", Some(&worker)).await;
        assert!(queue.text.contains(submitted.body["id"].as_str().unwrap()));

        // A draft through the same code is started, not yet submitted.
        let mut draft = body.clone();
        draft["assistance_type"] = json!("medical_assistance");
        draft["draft"] = json!(true);
        app.apply(&resident.access, &draft).await.assert_status(201);

        let stats = app.get(&format!("/api/v1/admin/entry-points/{id}/stats"), Some(&admin)).await;
        stats.assert_status(200);
        assert_eq!(stats.body["totals"]["scans"], 1);
        assert_eq!(stats.body["totals"]["unique_residents"], 1);
        assert_eq!(stats.body["totals"]["applications_started"], 2);
        assert_eq!(stats.body["totals"]["applications_submitted"], 1);
        assert_eq!(stats.body["days"][29]["applications_started"], 2);

        // A code for another community than the one chosen, or a disabled code, is refused
        // with a field the resident can act on; nothing is created.
        let mut mismatch = body.clone();
        mismatch["assistance_type"] = json!("education_assistance");
        mismatch["community_code"] = json!("120101001002");
        let res = app.apply(&resident.access, &mismatch).await;
        res.assert_error(422, "validation_failed");
        assert!(res.body["error"]["fields"]["community_code"].is_string(), "{}", res.text);
        app.patch(&format!("/api/v1/admin/entry-points/{id}"), Some(&admin), &json!({"enabled": false})).await.assert_status(200);
        mismatch.as_object_mut().unwrap().remove("community_code");
        let res = app.apply(&resident.access, &mismatch).await;
        res.assert_error(422, "validation_failed");
        assert!(res.body["error"]["fields"]["scene"].as_str().unwrap().contains("二维码已失效"), "{}", res.text);
        let mine = app.get("/api/v1/me/applications", Some(&resident.access)).await;
        assert_eq!(mine.body["items"].as_array().unwrap().len(), 2, "{}", mine.text);
    }

    async fn the_funnel_counts_scans_and_unique_residents_per_china_day(app) {
        use zhitongche::entry_points::store::{ScanSource, record_scan};
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let entry = app.create_entry_point(&admin, FUAN, "海报").await;
        let id = entry["id"].as_str().unwrap();
        let entry_id = uuid::Uuid::parse_str(id).unwrap();
        let (alice, _) = app.resident_login("oFunnelAlice0001").await;
        let (bob, _) = app.resident_login("oFunnelBob00001").await;
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        // 2026-03-01 in China: 15:59 UTC is 23:59 there; 16:00 UTC is already 03-02.
        for (who, when) in [
            (Some(alice), "2026-03-01T01:00:00Z"),
            (Some(alice), "2026-03-01T15:59:00Z"),
            (Some(bob), "2026-03-01T10:00:00Z"),
            (None, "2026-03-01T11:00:00Z"),
            (Some(alice), "2026-03-01T16:00:00Z"),
        ] {
            record_scan(&app.state.db, entry_id, who, ScanSource::MiniProgram, at(when)).await.unwrap();
        }
        let res = app.get(&format!("/api/v1/admin/entry-points/{id}/stats?from=2026-02-28&to=2026-03-03"), Some(&admin)).await;
        res.assert_status(200);
        let days: Vec<(String, u64, u64)> = res.body["days"].as_array().unwrap().iter()
            .map(|d| (d["date"].as_str().unwrap().to_string(), d["scans"].as_u64().unwrap(), d["unique_residents"].as_u64().unwrap()))
            .collect();
        assert_eq!(days, [
            ("2026-02-28".to_string(), 0, 0),
            ("2026-03-01".to_string(), 4, 2),
            ("2026-03-02".to_string(), 1, 1),
            ("2026-03-03".to_string(), 0, 0),
        ]);
        assert_eq!(res.body["totals"]["scans"], 5);
        assert_eq!(res.body["totals"]["unique_residents"], 2);
        assert_eq!(res.body["timezone"], "Asia/Shanghai");

        // Today's live scans land on today's China date.
        app.post("/api/v1/scans", None, &json!({"scene": entry["scene"]})).await.assert_status(200);
        let today = app.get(&format!("/api/v1/admin/entry-points/{id}/stats"), Some(&admin)).await;
        today.assert_status(200);
        assert_eq!(today.body["days"].as_array().unwrap().len(), 30);
        assert_eq!(today.body["days"][29]["scans"], 1);

        let bad = app.get(&format!("/api/v1/admin/entry-points/{id}/stats?from=2026-3-1x&to=yesterday"), Some(&admin)).await;
        bad.assert_error(422, "validation_failed");
        assert!(bad.body["error"]["fields"]["from"].is_string() && bad.body["error"]["fields"]["to"].is_string());
        app.get(&format!("/api/v1/admin/entry-points/{id}/stats?from=2026-03-02&to=2026-03-01"), Some(&admin))
            .await
            .assert_error(422, "validation_failed");
        app.get(&format!("/api/v1/admin/entry-points/{id}/stats?from=2024-01-01&to=2026-03-01"), Some(&admin))
            .await
            .assert_error(422, "validation_failed");
        // Years chrono parses but cannot subtract from: a field error, not a crashed worker.
        for extreme in ["to=-262143-01-01", "from=-262143-01-01&to=-262143-01-05", "from=%2B262142-12-30"] {
            let res = app.get(&format!("/api/v1/admin/entry-points/{id}/stats?{extreme}"), Some(&admin)).await;
            res.assert_error(422, "validation_failed");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_dev_wechat_mode_the_mini_program_code_falls_back_to_the_url_code() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|raw| {
            raw.wechat_app_id = None;
            raw.wechat_app_secret = None;
        })
        .spawn()
        .await;
    app.seed_demo().await;
    let (_, admin) = app.staff_token("admin", "120101").await;
    let entry = app.create_entry_point(&admin, FUAN, "海报").await;
    let id = entry["id"].as_str().unwrap();
    let (status, headers, png) = app
        .get_bytes(
            &format!("/api/v1/admin/entry-points/{id}/qrcode?kind=wxacode"),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-ztc-qr-fallback"], "url");
    assert_eq!(decode_qr(&png), entry["landing_url"].as_str().unwrap());
    assert!(app.wechat.received_requests().await.unwrap().is_empty());
}

mod rate_limits {
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
    async fn a_flood_from_one_address_is_refused_with_429_and_a_page_that_still_gives_the_hotline()
    {
        let app = tests::spawn_app(Backend::Sqlite).await;
        let (_, scene, _) = entry(&app).await;
        let mut statuses = Vec::new();
        for _ in 0..super::FLOOD_LIMIT {
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
}

/// `zhitongche::ratelimit::FLOOD_PER_MINUTE`, as a count of requests.
const FLOOD_LIMIT: usize = zhitongche::ratelimit::FLOOD_PER_MINUTE as usize;
