//! The life of a case: from application through investigation, 公示 and approval, and aid
//! first (先行救助) for urgent cases within the street's cap.

use serde_json::json;
use tests::{application_body, both_backends, id_number};

use super::support::{FUAN, id_of};

both_backends! {
    async fn a_minimum_living_allowance_case_goes_from_application_to_approval(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_zhang").await;
        let (worker, worker_token) = app.staff_token("caseworker", FUAN).await;
        let (_, approver) = app.staff_token("approver", "120101001").await;

        let res = app.apply(&resident.access, &application_body("minimum_living_allowance", FUAN, &id_number("19491231", "002"))).await;
        res.assert_status(201);
        let id = id_of(&res);
        assert_eq!(res.body["status"], "submitted");
        assert_eq!(res.body["community"]["name"], "福安社区");
        assert_eq!(res.body["applicant"]["id_number"], "110105********002X");
        assert_eq!(res.body["applicant"]["phone"], "138****5678");
        assert!(res.body["reference"].as_str().unwrap().starts_with("ZT"));
        assert!(res.body["deadline_at"].is_string());

        // It lands in the community's queue and the street's.
        let queue = app.get("/api/v1/staff/applications?status=submitted", Some(&worker_token)).await;
        assert!(queue.text.contains(&id));
        let street_queue = app.get("/api/v1/staff/applications", Some(&approver)).await;
        assert!(street_queue.text.contains(&id));

        app.act(&worker_token, &id, "accept", json!({})).await.assert_status(200);
        assert_eq!(app.stored(&id).await.assignee_id, Some(worker.id), "accepting caseworker claims the case");
        app.act(&worker_token, &id, "start_investigation", json!({})).await.assert_status(200);
        app.act(&worker_token, &id, "submit_review", json!({"note": "入户调查属实,家庭收入低于低保标准"})).await.assert_status(200);
        // 低保 needs 公示 first.
        app.act(&approver, &id, "approve", json!({"amount_yuan": 1130})).await.assert_error(422, "public_notice_required");
        let before = app.stored(&id).await.total_due_at.unwrap();
        let notice = app.act(&approver, &id, "start_public_notice", json!({})).await;
        notice.assert_status(200);
        assert_eq!(notice.body["status"], "public_notice");
        assert!(notice.body["public_notice_ends_at"].is_string());
        // 公示 does not eat into the overall limit: it moves later by the notice's working days.
        let stored = app.stored(&id).await;
        let cal = zhitongche::applications::sla::calendar(&app.state.db).await.unwrap();
        let last_notice_day = stored.public_notice_ends_at.unwrap() - chrono::Duration::seconds(1);
        let notice_days = cal.working_days_between(chrono::Utc::now(), last_notice_day);
        assert!(notice_days > 0);
        assert_eq!(stored.total_due_at.unwrap(), cal.extend(before, notice_days));
        app.act(&approver, &id, "approve", json!({"amount_yuan": 1130})).await.assert_error(422, "public_notice_in_progress");

        // Seven days pass.
        {
            use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
            let mut m = app.stored(&id).await.into_active_model();
            m.public_notice_ends_at = Set(Some(chrono::Utc::now() - chrono::Duration::minutes(1)));
            m.update(&app.state.db).await.unwrap();
        }
        let approved = app.act(&approver, &id, "approve", json!({"amount_yuan": 1130, "note": "按月发放", "note_public": true})).await;
        approved.assert_status(200);
        assert_eq!(approved.body["status"], "approved");
        assert_eq!(approved.body["approved_amount_yuan"], 1130.0);
        assert_eq!(approved.body["sla"]["state"], "none");

        // The resident's timeline reads right: public steps only, roles not names.
        let timeline = app.get(&format!("/api/v1/applications/{id}/timeline"), Some(&resident.access)).await;
        timeline.assert_status(200);
        let actions: Vec<&str> = timeline.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["submit", "accept", "start_investigation", "submit_review", "start_public_notice", "approve"]);
        let actors: Vec<&str> = timeline.body["items"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
        assert_eq!(actors, ["申请人", "社区工作者", "社区工作者", "社区工作者", "审批人员", "审批人员"]);
        assert!(!timeline.text.contains(&worker.username));
        assert!(!timeline.text.contains("入户调查属实"), "internal note leaked: {}", timeline.text);
        assert!(timeline.text.contains("按月发放"));
        // Staff see every entry with who did it.
        let staff_view = app.get(&format!("/api/v1/staff/applications/{id}"), Some(&worker_token)).await;
        assert!(staff_view.text.contains("入户调查属实"));
        assert!(staff_view.text.contains(&worker.username));

        // One outbox row per change, versions rising.
        let outbox = app.outbox_of(&id).await;
        let kinds: Vec<&str> = outbox.iter().map(|o| o.event_type.as_str()).collect();
        assert_eq!(kinds, ["application.submitted", "application.accept", "application.start_investigation",
                           "application.submit_review", "application.start_public_notice", "application.approve"]);
        assert!(outbox.windows(2).all(|w| w[0].aggregate_version < w[1].aggregate_version));
        assert!(outbox.iter().all(|o| !o.payload.to_string().contains("13812345678")));
    }

    async fn an_urgent_temporary_assistance_case_gets_aid_first_and_is_backfilled(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_li").await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let (_, other_approver) = app.staff_token("approver", "120101001").await;
        let mut body = application_body("temporary_assistance", FUAN, &id_number("19800101", "013"));
        body["urgent"] = json!(true);
        body["description"] = json!("家中突发火灾,房屋烧毁,无处居住");
        let res = app.apply(&resident.access, &body).await;
        res.assert_status(201);
        let id = id_of(&res);
        // Urgent: answered within hours, and the street is told.
        let stored = app.stored(&id).await;
        let hours = (stored.deadline_at.unwrap() - stored.created_at).num_minutes();
        assert!((110..=121).contains(&hours), "urgent first-response window: {hours} min");
        let first = &app.outbox_of(&id).await[0];
        assert!(first.payload["audiences"].as_array().unwrap().contains(&json!("street")));

        app.act(&approver, &id, "emergency_approve", json!({"amount_yuan": 5000})).await.assert_error(422, "validation_failed");
        let aid = app.act(&approver, &id, "emergency_approve", json!({"amount_yuan": 2000})).await;
        aid.assert_status(200);
        assert_eq!(aid.body["status"], "emergency_aid");
        assert_eq!(aid.body["emergency_amount_yuan"], 2000.0);
        let backfill = aid.body["sla"]["backfill_due_at"].as_str().unwrap().to_string();
        assert_eq!(aid.body["sla"]["deadline_at"].as_str().unwrap(), backfill);

        app.act(&worker, &id, "start_investigation", json!({})).await.assert_status(200);
        let review = app.act(&worker, &id, "submit_review", json!({"note": "补齐材料:火灾证明、户籍证明"})).await;
        review.assert_status(200);
        // Later stages stay inside the backfill deadline.
        assert!(review.body["sla"]["deadline_at"].as_str().unwrap() <= backfill.as_str());
        // No 公示 for 临时救助: straight to a decision.
        let done = app.act(&other_approver, &id, "approve", json!({"amount_yuan": 3000})).await;
        done.assert_status(200);
        assert_eq!(done.body["status"], "approved");
    }

    async fn aid_first_is_for_urgent_cases_of_eligible_types_within_the_street_cap(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_wu").await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let (_, supervisor) = app.staff_token("supervisor", "120101").await;
        let ordinary = app.apply(&resident.access, &application_body("temporary_assistance", FUAN, &id_number("19700101", "021"))).await;
        app.act(&approver, &id_of(&ordinary), "emergency_approve", json!({"amount_yuan": 100})).await.assert_error(422, "not_urgent");
        let mut dibao = application_body("minimum_living_allowance", FUAN, &id_number("19700101", "031"));
        dibao["urgent"] = json!(true);
        let dibao = app.apply(&resident.access, &dibao).await;
        app.act(&approver, &id_of(&dibao), "emergency_approve", json!({"amount_yuan": 100})).await.assert_error(422, "emergency_not_allowed");

        // The street cannot raise its own cap; the district can.
        let (_, street_supervisor) = app.staff_token("supervisor", "120101001").await;
        app.send(reqwest::Method::PUT, "/api/v1/admin/jurisdictions/120101001/settings", Some(&street_supervisor), Some(&json!({"emergency_cap_yuan": 6000})))
            .await
            .assert_error(403, "above_street_only");
        let settings = app.send(reqwest::Method::PUT, "/api/v1/admin/jurisdictions/120101001/settings", Some(&supervisor), Some(&json!({"emergency_cap_yuan": 6000}))).await;
        settings.assert_status(200);
        let mut urgent = application_body("medical_assistance", FUAN, &id_number("19700101", "041"));
        urgent["urgent"] = json!(true);
        let urgent = app.apply(&resident.access, &urgent).await;
        app.act(&approver, &id_of(&urgent), "emergency_approve", json!({"amount_yuan": 5000})).await.assert_status(200);
    }
}
