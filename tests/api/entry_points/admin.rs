//! Managing entry points: an unguessable scene per poster, communities inside the admin's
//! subtree only, and listing, renaming and disabling within it.

use serde_json::json;
use tests::both_backends;

use super::support::FUAN;

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
}
