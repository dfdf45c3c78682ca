//! What an operator may reach: cases and communities inside the operator's jurisdiction only,
//! and a number's history of calls and cases, masked and newest first.

use serde_json::json;
use tests::{application_body, both_backends, id_number};

use super::support::{FUAN, TAIERZHUANG, application_for_call, call_body, enter};

both_backends! {
    async fn an_operator_cannot_approve_or_read_cases_outside_the_operators_jurisdiction(app) {
        app.seed_demo().await;
        // A district hotline desk (和平区) and a case in 河西区.
        let (_, op) = app.staff_token("operator", "120101").await;
        let (_, resident) = app.resident_login("o_hexi").await;
        let outside = app.apply(&resident.access, &application_body("temporary_assistance", TAIERZHUANG, &id_number("19500101", "051"))).await;
        outside.assert_status(201);
        let outside_id = outside.body["id"].as_str().unwrap().to_string();
        let inside = app.apply(&resident.access, &application_body("medical_assistance", FUAN, &id_number("19500101", "061"))).await;
        let inside_id = inside.body["id"].as_str().unwrap().to_string();

        app.get(&format!("/api/v1/staff/applications/{outside_id}"), Some(&op)).await.assert_error(404, "application_not_found");
        app.get(&format!("/api/v1/staff/applications/{inside_id}"), Some(&op)).await.assert_status(200);
        app.act(&op, &inside_id, "approve", json!({"amount_yuan": 100})).await.assert_error(403, "role_not_allowed");
        app.act(&op, &outside_id, "approve", json!({"amount_yuan": 100})).await.assert_error(404, "application_not_found");
        let list = app.get("/api/v1/staff/applications", Some(&op)).await;
        assert!(list.text.contains(&inside_id) && !list.text.contains(&outside_id));
        // Linking a call to it or opening a case there is refused too.
        enter(&app, &op, call_body("complaint", json!({"link_application_id": outside_id}))).await.assert_error(404, "application_not_found");
        let mut application = application_for_call("temporary_assistance", "071");
        application["community_code"] = json!(TAIERZHUANG);
        let res = enter(&app, &op, call_body("help", json!({"application": application}))).await;
        res.assert_error(422, "validation_failed");
        assert_eq!(res.body["error"]["fields"]["application.community_code"], "该社区不在您的辖区内");
        // Nor through a scanned scene that routes to a community outside.
        let (_, admin) = app.staff_token("admin", "120000").await;
        let poster = app.create_entry_point(&admin, TAIERZHUANG, "台儿庄社区海报").await;
        let mut scanned = application_for_call("temporary_assistance", "081");
        scanned["scene"] = poster["scene"].clone();
        let res = enter(&app, &op, call_body("help", json!({"application": scanned}))).await;
        res.assert_error(422, "validation_failed");
        assert_eq!(res.body["error"]["fields"]["application.scene"], "该二维码所属社区不在您的辖区内");
        // The caller history shows only the case inside (the resident's number is the applicant's).
        let history = app.get("/api/v1/hotline/callers/13812345678", Some(&op)).await;
        history.assert_status(200);
        assert!(history.text.contains(&inside_id) && !history.text.contains(&outside_id), "{}", history.text);
    }

    async fn the_caller_history_shows_a_numbers_calls_and_cases_masked_and_newest_first(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120000").await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        // The daughter applies for her mother, then calls twice more about it.
        let opened = enter(&app, &op, call_body("help", json!({"community_code": FUAN, "application": application_for_call("temporary_assistance", "082")}))).await;
        opened.assert_status(201);
        let case_id = opened.body["application"]["id"].as_str().unwrap().to_string();
        let second = enter(&app, &op, call_body("inquiry", json!({"link_application_id": case_id, "summary": "询问办理进度"}))).await;
        second.assert_status(201);
        assert_eq!(second.body["call"]["application"]["link"], "linked");
        let third = enter(&app, &op, call_body("complaint", json!({"link_application_id": case_id, "summary": "第三次来电,反映迟迟没有上门调查"}))).await;
        third.assert_status(201);
        // A complaint about a case tells its caseworkers and shows on its staff timeline.
        let told = app.outbox_of(third.body["call"]["id"].as_str().unwrap()).await;
        assert_eq!(told[0].event_type, "hotline.call_about_case");
        assert_eq!(told[0].payload["application_id"], case_id.as_str());
        let detail = app.get(&format!("/api/v1/staff/applications/{case_id}"), Some(&worker)).await;
        assert!(detail.text.contains("第三次来电"));
        // Someone else's call.
        enter(&app, &op, call_body("inquiry", json!({"caller_phone": "13700002222"}))).await.assert_status(201);

        let history = app.get("/api/v1/hotline/callers/+86%20139-0000-1111", Some(&op)).await;
        history.assert_status(200);
        assert_eq!(history.body["phone"], "139****1111");
        let calls = history.body["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[0]["id"], third.body["call"]["id"], "newest first");
        assert_eq!(calls[2]["id"], opened.body["call"]["id"]);
        let cases = history.body["applications"].as_array().unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0]["id"], case_id.as_str());
        assert_eq!(cases[0]["calls_about_it"], 3);
        assert_eq!(cases[0]["caller_is_applicant"], false);
        assert!(!history.text.contains("13900001111") && !history.text.contains("13812345678"));
        assert!(!history.text.contains("王小红"));
        // The applicant's own number finds the case too.
        let by_applicant = app.get("/api/v1/hotline/callers/13812345678", Some(&op)).await;
        assert_eq!(by_applicant.body["applications"][0]["caller_is_applicant"], true);
        assert_eq!(by_applicant.body["calls"].as_array().unwrap().len(), 0);
        // A landline caller.
        enter(&app, &op, call_body("inquiry", json!({"caller_phone": "022-2345 6789"}))).await.assert_status(201);
        let landline = app.get("/api/v1/hotline/callers/02223456789", Some(&op)).await;
        assert_eq!(landline.body["phone"], "022****6789");
        assert_eq!(landline.body["calls"].as_array().unwrap().len(), 1);

        let bad = app.get("/api/v1/hotline/callers/12345", Some(&op)).await;
        bad.assert_error(422, "validation_failed");
        assert!(bad.body["error"]["fields"]["phone"].is_string());
        app.get("/api/v1/hotline/callers/13900001111", Some(&worker)).await.assert_error(403, "role_not_allowed");
        // The number never reaches the metrics (routes are recorded by pattern).
        let metrics = app.get("/metrics", None).await;
        assert!(metrics.text.contains("/api/v1/hotline/callers/{phone}"));
        assert!(!metrics.text.contains("13900001111"));
    }
}
