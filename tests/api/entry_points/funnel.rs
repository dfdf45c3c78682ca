//! The funnel: applications routed by a scanned code and counted, scans and unique residents
//! per China day.

use serde_json::json;
use tests::both_backends;

use super::support::{FUAN, poster};

both_backends! {
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
        let (admin, entry) = poster(&app).await;
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
