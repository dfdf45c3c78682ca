//! The notification pipeline, staff side: inbox rows for the right people, live SSE with
//! resume, read state, and the outbox drained through Redis Streams or in-process.

use serde_json::json;
use tests::{application_body, eventually, every_setup, id_number, matrix::Setup};

const FUAN: &str = "120101001001";
const XINJIN: &str = "120101001002";

every_setup! {
    async fn a_community_without_caseworkers_falls_back_to_its_street(app) {
        app.seed_demo().await;
        // 新津社区 has nobody yet; the street's approver hears of the new case instead.
        let (approver, _) = app.staff_token("approver", "120101001").await;
        let (elsewhere, _) = app.staff_token("caseworker", FUAN).await;
        let (_, resident) = app.resident_login("o_nobody").await;
        app.apply(&resident.access, &application_body("temporary_assistance", XINJIN, &id_number("19600303", "621"))).await.assert_status(201);
        let rows = eventually(10, "the street approver's inbox row", || async {
            let rows = app.inbox_of(approver.id).await;
            (!rows.is_empty()).then_some(rows)
        }).await;
        assert_eq!(rows.iter().filter(|r| r.event_type == "application.submitted").count(), 1);
        assert!(app.inbox_of(elsewhere.id).await.is_empty(), "another community's caseworker is not told");
    }

    async fn a_new_case_reaches_its_community_caseworkers_live_and_resumes_after_a_reconnect(app) {
        app.seed_demo().await;
        let (a, a_token) = app.staff_token("caseworker", FUAN).await;
        let (b, _) = app.staff_token("caseworker", FUAN).await;
        let (c, _) = app.staff_token("caseworker", XINJIN).await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let mut live = app.sse(&a_token, None).await;

        let (_, resident) = app.resident_login("o_notify").await;
        let res = app.apply(&resident.access, &application_body("minimum_living_allowance", FUAN, &id_number("19600202", "601"))).await;
        res.assert_status(201);
        let id = res.body["id"].as_str().unwrap().to_string();

        let first = live.next_event(10).await.expect("the connected caseworker hears of the new case");
        assert_eq!(first.event, "notification");
        assert_eq!(first.data["event_type"], "application.submitted");
        assert_eq!(first.data["application_id"], id.as_str());
        assert_eq!(first.data["title"], "新的救助申请");
        assert!(first.data["body"].as_str().unwrap().contains("最低生活保障"));
        eventually(10, "B's inbox row", || async { (app.inbox_of(b.id).await.len() == 1).then_some(()) }).await;
        assert!(app.inbox_of(c.id).await.is_empty(), "another community's caseworker is not told");
        drop(live);

        // While A is away: the deadline nears (to the caseworkers), then the case is assigned to A.
        let case = app.stored(&id).await;
        tests::scan_deadlines(&app.state, case.at_risk_at.unwrap() + chrono::Duration::minutes(1)).await;
        app.act(&approver, &id, "assign", json!({"assignee_id": a.id})).await.assert_status(200);
        eventually(10, "A's three inbox rows", || async { (app.inbox_of(a.id).await.len() == 3).then_some(()) }).await;
        // B's reminder is a delivery of its own and may land after A's assignment.
        eventually(10, "B's two inbox rows", || async { (app.inbox_of(b.id).await.len() >= 2).then_some(()) }).await;
        let b_heard: Vec<String> = app.inbox_of(b.id).await.into_iter().map(|n| n.event_type).collect();
        assert_eq!(b_heard, ["application.submitted", "application.sla_at_risk"], "B heard the reminder but not the assignment");

        let mut resumed = app.sse(&a_token, Some(&first.id)).await;
        let missed: Vec<String> = vec![
            resumed.next_event(5).await.unwrap().data["event_type"].as_str().unwrap().to_string(),
            resumed.next_event(5).await.unwrap().data["event_type"].as_str().unwrap().to_string(),
        ];
        assert_eq!(missed, ["application.sla_at_risk", "application.assign"]);
        assert!(resumed.next_event(1).await.is_none(), "nothing is sent twice");
    }

    async fn the_inbox_pages_and_marks_read_for_its_owner_only(app) {
        app.seed_demo().await;
        let (worker, token) = app.staff_token("caseworker", FUAN).await;
        let (_, other) = app.staff_token("caseworker", XINJIN).await;
        let (_, resident) = app.resident_login("o_inbox").await;
        for seq in ["611", "621", "631"] {
            app.apply(&resident.access, &application_body("temporary_assistance", FUAN, &id_number("19600303", seq))).await.assert_status(201);
        }
        eventually(10, "three inbox rows", || async { (app.inbox_of(worker.id).await.len() == 3).then_some(()) }).await;
        let page = app.get("/api/v1/staff/notifications?limit=2", Some(&token)).await;
        page.assert_status(200);
        assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
        let cursor = page.body["next_cursor"].as_str().unwrap();
        let rest = app.get(&format!("/api/v1/staff/notifications?limit=2&cursor={cursor}"), Some(&token)).await;
        assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);

        let first = page.body["items"][0]["id"].as_str().unwrap().to_string();
        app.post(&format!("/api/v1/staff/notifications/{first}/read"), Some(&other), &json!({}))
            .await
            .assert_error(404, "notification_not_found");
        let read = app.post(&format!("/api/v1/staff/notifications/{first}/read"), Some(&token), &json!({})).await;
        read.assert_status(200);
        assert!(read.body["read_at"].is_string());
        let unread = app.get("/api/v1/staff/notifications?unread=true", Some(&token)).await;
        assert_eq!(unread.body["items"].as_array().unwrap().len(), 2);
        assert!(!unread.text.contains(&first));
    }

    async fn the_outbox_drains_and_each_delivery_is_visible_on_the_case(app) {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        app.seed_demo().await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, resident) = app.resident_login("o_drain").await;
        let res = app.apply(&resident.access, &application_body("temporary_assistance", FUAN, &id_number("19600404", "641"))).await;
        let id = res.body["id"].as_str().unwrap().to_string();
        eventually(10, "outbox published", || async {
            let left = entity::outbox::Entity::find()
                .filter(entity::outbox::Column::PublishedAt.is_null())
                .count(&app.state.db)
                .await
                .unwrap();
            (left == 0).then_some(())
        }).await;
        let list = eventually(10, "staff delivery sent", || async {
            let list = app.get(&format!("/api/v1/staff/applications/{id}/deliveries"), Some(&worker)).await;
            list.body["items"].as_array().unwrap().iter().any(|d| d["channel"] == "staff" && d["state"] == "sent").then_some(list)
        }).await;
        // The resident's WeChat notice is a delivery of its own; residents are not identified here.
        let wechat: Vec<_> = list.body["items"].as_array().unwrap().iter().filter(|d| d["channel"] == "wechat").collect();
        assert_eq!(wechat.len(), 1);
        assert!(wechat[0]["recipient_id"].is_null());
        let metrics = app.get("/metrics", None).await;
        assert!(metrics.text.contains("ztc_notify_outbox_backlog 0"), "{}", metrics.text);
        assert!(metrics.text.contains("ztc_notify_deliveries_total{channel=\"staff\",state=\"sent\"}"));
    }
}

async fn with_fast_heartbeat(setup: Setup) -> tests::TestApp {
    setup
        .builder()
        .settings(|raw| raw.ztc_sse_heartbeat_secs = Some("1".into()))
        .spawn()
        .await
}

tests::every_setup_with! { with_fast_heartbeat;
    async fn a_disabled_account_loses_its_open_stream_at_the_next_heartbeat(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120000").await;
        let worker = app.create_staff("caseworker", FUAN).await;
        let tokens = app.login(&worker).await;
        let mut live = app.sse(&tokens.access, None).await;
        // Heartbeats pass while the account is in good standing.
        assert!(live.next_event(2).await.is_none(), "only heartbeats so far");

        app.patch(&format!("/api/v1/admin/staff/{}", worker.id), Some(&admin), &json!({"disabled": true}))
            .await
            .assert_status(200);
        let ended = live.next_event(5).await.expect("the stream says why it ends");
        assert_eq!(ended.event, "session_ended");
        assert_eq!(ended.data["error"]["code"], "account_disabled");
        assert!(live.closed_within(3).await, "and then it is closed");
    }
}
