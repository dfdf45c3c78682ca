//! Operators entering calls: joined with the platform's events whichever comes first, cases
//! opened on the caller's behalf (urgent ones on the aid-first path), help requests as
//! community tasks, and bad entries refused whole.

use chrono::{Duration, Utc};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use tests::{TestApp, both_backends};

use super::support::{
    FUAN, XINJIN, application_for_call, call_body, callback, calls_with_platform_id, enter, event,
    seconds_ago,
};

both_backends! {
    async fn an_operator_entry_and_the_platforms_events_join_into_one_call_whichever_comes_first(app) {
        app.seed_demo().await;
        let (operator, op) = app.staff_token("operator", "120000").await;
        let start = seconds_ago(120);

        // Platform first, then the operator.
        let first = callback(&app, &event("evt-a1", "call.started", "pf-0001", start)).await;
        first.assert_status(200);
        let entered = enter(&app, &op, call_body("inquiry", json!({"platform_call_id": "pf-0001", "started_at": seconds_ago(30).to_rfc3339(), "community_code": FUAN}))).await;
        entered.assert_status(201);
        assert_eq!(entered.body["call"]["id"], first.body["call_id"]);
        assert_eq!(entered.body["call"]["operator"]["id"], operator.id.to_string());
        assert_eq!(entered.body["call"]["category"], "inquiry");
        assert_eq!(entered.body["call"]["state"], "in_progress");
        let calls = calls_with_platform_id(&app, "pf-0001").await;
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].started_at, Some(start), "the platform's start wins over the operator's");
        assert_eq!(calls[0].agent.as_deref(), Some("seat-07"));
        assert!(calls[0].jurisdiction_path.ends_with("/120101001001/"));
        // The same platform call cannot be entered twice.
        let twice = enter(&app, &op, call_body("inquiry", json!({"platform_call_id": "pf-0001"}))).await;
        twice.assert_error(409, "call_already_entered");
        assert_eq!(twice.body["error"]["details"]["call_id"], first.body["call_id"]);
        // An operator of another district learns that it exists, not where to find it.
        let (_, hexi_op) = app.staff_token("operator", "120103").await;
        let elsewhere = enter(&app, &hexi_op, call_body("inquiry", json!({"platform_call_id": "pf-0001"}))).await;
        elsewhere.assert_error(409, "call_already_entered");
        assert!(elsewhere.body["error"]["details"].is_null(), "{}", elsewhere.text);

        // Operator first, then the platform.
        let typed = seconds_ago(400);
        let entered = enter(&app, &op, call_body("complaint", json!({"platform_call_id": "pf-0002", "started_at": typed.to_rfc3339()}))).await;
        entered.assert_status(201);
        assert_eq!(entered.body["call"]["state"], "unknown");
        assert_eq!(calls_with_platform_id(&app, "pf-0002").await[0].started_at, Some(typed));
        let mut ended = event("evt-b2", "call.ended", "pf-0002", start + Duration::seconds(80));
        ended["duration_s"] = json!(80);
        let answer = callback(&app, &ended).await;
        answer.assert_status(200);
        assert_eq!(answer.body["call_id"], entered.body["call"]["id"]);
        callback(&app, &event("evt-b1", "call.started", "pf-0002", start)).await.assert_status(200);
        let calls = calls_with_platform_id(&app, "pf-0002").await;
        assert_eq!(calls.len(), 1);
        let call = &calls[0];
        assert_eq!(call.started_at, Some(start));
        assert_eq!(call.duration_s, Some(80));
        assert_eq!(call.category.as_deref(), Some("complaint"));
        assert_eq!(call.operator_id, Some(operator.id));
        let shown = app.get(&format!("/api/v1/hotline/calls/{}", call.id), Some(&op)).await;
        shown.assert_status(200);
        assert_eq!(shown.body["state"], "ended");
        assert_eq!(shown.body["caller_phone"], "139****1111");
        assert_eq!(shown.body["caller_name"], "王**");
        // Administrators manage the system; callers' words are not theirs to read.
        let (_, admin) = app.staff_token("admin", "120000").await;
        app.get(&format!("/api/v1/hotline/calls/{}", call.id), Some(&admin)).await.assert_error(403, "role_not_allowed");
    }

    async fn an_urgent_call_opens_a_case_on_the_aid_first_path(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120000").await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let mut application = application_for_call("temporary_assistance", "034");
        application["description"] = json!("家中突发火灾,无处居住");
        let res = enter(&app, &op, call_body("help", json!({"urgent": true, "community_code": FUAN, "application": application}))).await;
        res.assert_status(201);
        assert_eq!(res.body["application"]["urgent"], true, "the call's urgency carries to the case");
        assert_eq!(res.body["call"]["urgent"], true);
        let id = res.body["application"]["id"].as_str().unwrap().to_string();
        let first = &app.outbox_of(&id).await[0];
        assert_eq!(first.event_type, "application.submitted");
        let audiences = first.payload["audiences"].as_array().unwrap();
        assert!(audiences.contains(&json!("caseworkers")) && audiences.contains(&json!("street")), "{audiences:?}");
        let stored = app.stored(&id).await;
        assert!((stored.deadline_at.unwrap() - stored.created_at).num_hours() <= 2, "urgent cases are answered within hours");
        let aid = app.act(&approver, &id, "emergency_approve", json!({"amount_yuan": 1500})).await;
        aid.assert_status(200);
        assert_eq!(aid.body["status"], "emergency_aid");
    }

    async fn a_help_request_without_an_application_reaches_the_community_as_a_task(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120000").await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, neighbour) = app.staff_token("caseworker", XINJIN).await;
        let missing = enter(&app, &op, call_body("help", json!({}))).await;
        missing.assert_error(422, "validation_failed");
        assert!(missing.body["error"]["fields"]["community_code"].is_string());

        let res = enter(&app, &op, call_body("help", json!({"community_code": FUAN}))).await;
        res.assert_status(201);
        assert!(res.body["application"].is_null());
        let call_id = res.body["call"]["id"].as_str().unwrap().to_string();
        let rows = app.outbox_of(&call_id).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].aggregate_type, "hotline_call");
        assert_eq!(rows[0].event_type, "hotline.help_request");
        assert_eq!(rows[0].payload["audiences"], json!(["caseworkers"]));
        assert_eq!(rows[0].payload["community_id"], json!(app_community_id(&app, FUAN).await));
        assert!(!rows[0].payload.to_string().contains("13900001111"));
        // The community's caseworker opens the task; the neighbouring community does not see it.
        let seen = app.get(&format!("/api/v1/hotline/calls/{call_id}"), Some(&worker)).await;
        seen.assert_status(200);
        assert_eq!(seen.body["summary"], "女儿来电:母亲独居,老伴住院,医药费负担很重");
        app.get(&format!("/api/v1/hotline/calls/{call_id}"), Some(&neighbour)).await.assert_error(404, "call_not_found");
        // It waits in the community's task list until someone records what was done.
        assert_eq!(res.body["call"]["task"]["status"], "open");
        let open = app.get("/api/v1/hotline/tasks", Some(&worker)).await;
        open.assert_status(200);
        assert_eq!(open.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(open.body["items"][0]["id"], call_id.as_str());
        assert_eq!(app.get("/api/v1/hotline/tasks", Some(&neighbour)).await.body["items"], json!([]));
        let done_path = format!("/api/v1/hotline/tasks/{call_id}/done");
        app.post(&done_path, Some(&neighbour), &json!({"note": "已上门"})).await.assert_error(404, "call_not_found");
        app.post(&done_path, Some(&op), &json!({"note": "已上门"})).await.assert_error(403, "role_not_allowed");
        let empty = app.post(&done_path, Some(&worker), &json!({"note": " "})).await;
        empty.assert_error(422, "validation_failed");
        assert!(empty.body["error"]["fields"]["note"].is_string());
        let done = app.post(&done_path, Some(&worker), &json!({"note": "已上门看望,协助申请临时救助"})).await;
        done.assert_status(200);
        assert_eq!(done.body["task"]["status"], "done");
        assert_eq!(done.body["task"]["note"], "已上门看望,协助申请临时救助");
        app.post(&done_path, Some(&worker), &json!({"note": "再办一次"})).await.assert_error(409, "task_not_open");
        assert_eq!(app.get("/api/v1/hotline/tasks", Some(&worker)).await.body["items"], json!([]));
        let finished = app.get("/api/v1/hotline/tasks?status=done", Some(&worker)).await;
        assert_eq!(finished.body["items"][0]["id"], call_id.as_str());
        app.get("/api/v1/hotline/tasks?status=later", Some(&worker)).await.assert_error(400, "invalid_query");
        // An inquiry reaches no one.
        let inquiry = enter(&app, &op, call_body("inquiry", json!({}))).await;
        inquiry.assert_status(201);
        assert!(inquiry.body["call"]["task"].is_null());
        assert!(app.outbox_of(inquiry.body["call"]["id"].as_str().unwrap()).await.is_empty());
    }

    async fn a_bad_call_entry_names_every_failing_field_and_writes_nothing(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120000").await;
        let mut application = application_for_call("minimum_living_allowance", "044");
        application["applicant"]["id_number"] = json!("11010519450302044");
        application["draft"] = json!(true);
        let body = json!({
            "caller_phone": "2345678",
            "caller_name": "王2",
            "category": "chat",
            "summary": "  ",
            "platform_call_id": "has space",
            "started_at": (Utc::now() + Duration::hours(2)).to_rfc3339(),
            "community_code": "120101001",
            "application": application,
            "link_application_id": uuid::Uuid::now_v7(),
        });
        let res = enter(&app, &op, body).await;
        res.assert_error(422, "validation_failed");
        for field in ["caller_phone", "caller_name", "category", "summary", "platform_call_id", "started_at",
                      "community_code", "link_application_id", "application.draft", "application.applicant.id_number"] {
            assert!(res.body["error"]["fields"][field].is_string(), "{field} missing: {}", res.text);
        }
        assert_eq!(entity::hotline_calls::Entity::find().count(&app.state.db).await.unwrap(), 0);
        assert_eq!(entity::applications::Entity::find().count(&app.state.db).await.unwrap(), 0);
        enter(&app, &op, json!({"caller_phone": "13900001111", "category": "help", "summary": "x", "status": "closed"}))
            .await
            .assert_error(422, "validation_failed");
        // Only operators enter calls.
        let (_, supervisor) = app.staff_token("supervisor", "120101").await;
        enter(&app, &supervisor, call_body("inquiry", json!({}))).await.assert_error(403, "role_not_allowed");
    }
}

async fn app_community_id(app: &TestApp, code: &str) -> String {
    zhitongche::jurisdictions::store::find_by_code(&app.state.db, code)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}
