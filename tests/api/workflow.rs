//! The case workflow through the API: the transition table, concurrent decisions, separation of
//! duties, supplements pausing the clock, assignment, transfer, reopening and staff work lists.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use serde_json::json;
use tests::{TestApp, application_body, both_backends, id_number};
use zhitongche::{
    applications::workflow::{self, Action, Actor, Refusal, Status},
    staff::Role,
};

const FUAN: &str = "120101001001";

async fn new_case(app: &TestApp, resident: &str, kind: &str, seq: &str, urgent: bool) -> String {
    let mut body = application_body(kind, FUAN, &id_number("19600101", seq));
    body["urgent"] = json!(urgent);
    let res = app.apply(resident, &body).await;
    res.assert_status(201);
    res.body["id"].as_str().unwrap().to_string()
}

/// Puts a case into `status` directly (a fixture for the table test).
async fn force_status(app: &TestApp, id: &str, status: Status) {
    let mut m = app.stored(id).await.into_active_model();
    m.status = Set(status.as_str().into());
    m.resume_status = Set(Some("accepted".into()));
    m.investigator_id = Set(None);
    m.assignee_id = Set(None);
    m.open_key = Set(if status.is_open() {
        Some(format!("fixture:{id}"))
    } else {
        None
    });
    m.update(&app.state.db).await.unwrap();
}

both_backends! {
    async fn every_state_action_and_role_answers_as_the_table_says(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_table").await;
        let id = new_case(&app, &resident.access, "temporary_assistance", "201", true).await;
        let (worker, worker_t) = app.staff_token("caseworker", FUAN).await;
        let mut tokens = vec![(Role::Caseworker, worker_t)];
        for (role, code) in [(Role::Approver, "120101001"), (Role::Supervisor, "120101"), (Role::Operator, "120000"), (Role::Admin, "120000")] {
            tokens.push((role, app.staff_token(role.as_str(), code).await.1));
        }
        // A complete body for every action, so an allowed action succeeds.
        let body = |action: Action, role: Role| match action {
            Action::RequestSupplement => json!({"items": ["户口本复印件"]}),
            Action::SubmitReview => json!({"note": "调查意见"}),
            Action::Approve | Action::EmergencyApprove => json!({"amount_yuan": 500}),
            Action::Reject => json!({"reason": "家庭收入超过标准"}),
            Action::Reopen | Action::StartInvestigation => json!({"note": "回访不满意,重新办理"}),
            Action::Transfer => json!({"community_code": "120101001002", "note": "居住地在新津社区"}),
            Action::Assign if role == Role::Caseworker => json!({}),
            Action::Assign => json!({"assignee_id": worker.id}),
            _ => json!({}),
        };
        let states = [Status::Submitted, Status::Accepted, Status::NeedsSupplement, Status::Investigating, Status::Review,
                      Status::PublicNotice, Status::EmergencyAid, Status::Approved, Status::Rejected, Status::Withdrawn,
                      Status::Closed, Status::Reopened];
        let mut checked = 0;
        for status in states {
            for action in Action::STAFF {
                for (role, token) in &tokens {
                    force_status(&app, &id, status).await;
                    // Transfers move the case; bring it back so every probe starts alike.
                    let res = app.act(token, &id, action.as_str(), body(action, *role)).await;
                    let expected = match workflow::check(status, action, Actor::Staff(*role)) {
                        Err(Refusal::NotAllowed) => 403,
                        Err(Refusal::WrongState) => 409,
                        // 临时救助 has no 公示: allowed by the table, refused by the type's rules.
                        Ok(_) if action == Action::StartPublicNotice => 422,
                        Ok(_) => 200,
                    };
                    assert_eq!(res.status.as_u16(), expected, "{status:?} {action:?} by {role:?}: {}", res.text);
                    checked += 1;
                    if action == Action::Transfer && res.status == 200 {
                        app.post(&format!("/api/v1/staff/applications/{id}/transitions"), Some(&tokens[2].1), &json!({
                            "action": "transfer", "expected_version": app.version_of(&id).await,
                            "community_code": FUAN, "note": "转回"
                        })).await.assert_status(200);
                    }
                }
            }
        }
        assert_eq!(checked, states.len() * 12 * 5);
    }

    async fn two_approvers_deciding_on_the_same_version_cannot_both_win(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_race").await;
        let id = new_case(&app, &resident.access, "temporary_assistance", "211", false).await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, a) = app.staff_token("approver", "120101001").await;
        let (_, b) = app.staff_token("approver", "120101001").await;
        app.act(&worker, &id, "accept", json!({})).await.assert_status(200);
        app.act(&worker, &id, "start_investigation", json!({})).await.assert_status(200);
        app.act(&worker, &id, "submit_review", json!({"note": "属实"})).await.assert_status(200);
        let version = app.version_of(&id).await;
        let path = format!("/api/v1/staff/applications/{id}/transitions");
        let approve = json!({"action": "approve", "expected_version": version, "amount_yuan": 800});
        let reject = json!({"action": "reject", "expected_version": version, "reason": "不符合临时救助条件"});
        let (x, y) = tokio::join!(app.post(&path, Some(&a), &approve), app.post(&path, Some(&b), &reject));
        let mut statuses = [x.status.as_u16(), y.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{} / {}", x.text, y.text);
        let loser = if x.status == 409 { &x } else { &y };
        assert!(["stale_version", "invalid_transition"].contains(&loser.error_code()), "{}", loser.text);
        // Exactly one decision, one timeline entry for it, one outbox row.
        let outbox = app.outbox_of(&id).await;
        let decisions = outbox.iter().filter(|o| o.event_type == "application.approve" || o.event_type == "application.reject").count();
        assert_eq!(decisions, 1);
        // A stale version is refused even when the action would be valid.
        app.post(&path, Some(&a), &json!({"action": "close", "expected_version": version})).await.assert_error(409, "stale_version");
    }

    async fn the_investigator_cannot_also_decide(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_sod").await;
        let id = new_case(&app, &resident.access, "temporary_assistance", "221", false).await;
        let (worker, worker_t) = app.staff_token("caseworker", FUAN).await;
        let (_, city_admin) = app.staff_token("admin", "120000").await;
        app.act(&worker_t, &id, "accept", json!({})).await.assert_status(200);
        app.act(&worker_t, &id, "start_investigation", json!({})).await.assert_status(200);
        app.act(&worker_t, &id, "submit_review", json!({"note": "属实"})).await.assert_status(200);
        // The investigator is promoted to approver at the street.
        app.patch(&format!("/api/v1/admin/staff/{}", worker.id), Some(&city_admin), &json!({"role": "approver", "jurisdiction_code": "120101001"}))
            .await
            .assert_status(200);
        app.act(&worker_t, &id, "approve", json!({"amount_yuan": 100})).await.assert_error(403, "separation_of_duties");
        app.act(&worker_t, &id, "reject", json!({"reason": "收入超过标准线"})).await.assert_error(403, "separation_of_duties");
        let (_, other) = app.staff_token("approver", "120101001").await;
        app.act(&other, &id, "approve", json!({"amount_yuan": 100})).await.assert_status(200);
    }

    async fn a_supplement_request_lists_everything_and_pauses_the_clock(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_supp").await;
        let id = new_case(&app, &resident.access, "minimum_living_allowance", "231", false).await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        app.act(&worker, &id, "accept", json!({})).await.assert_status(200);
        app.act(&worker, &id, "request_supplement", json!({"items": []})).await.assert_error(422, "validation_failed");
        let asked = app.act(&worker, &id, "request_supplement", json!({"items": ["户口本", "近三个月收入证明", "  "]})).await;
        asked.assert_status(200);
        assert_eq!(asked.body["status"], "needs_supplement");
        assert_eq!(asked.body["sla"]["paused"], true);
        let mine = app.get(&format!("/api/v1/applications/{id}"), Some(&resident.access)).await;
        assert_eq!(mine.body["supplement_items"], json!(["户口本", "近三个月收入证明"]));

        // The resident took three working days (Mon 23 → Thu 26 Nov 2026) to answer.
        let before = app.stored(&id).await;
        let mut m = before.clone().into_active_model();
        let monday = chrono::DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z").unwrap().with_timezone(&chrono::Utc);
        let deadline = chrono::DateTime::parse_from_rfc3339("2026-11-25T16:00:00Z").unwrap().with_timezone(&chrono::Utc);
        m.paused_at = Set(Some(monday));
        m.deadline_at = Set(Some(deadline));
        m.update(&app.state.db).await.unwrap();
        let back = app.post(&format!("/api/v1/applications/{id}/supplement"), Some(&resident.access),
                            &json!({"note": "已上传户口本和收入证明", "monthly_income_yuan": 720})).await;
        back.assert_status(200);
        assert_eq!(back.body["status"], "accepted", "back where it was");
        assert_eq!(back.body["monthly_income_yuan"], 720.0);
        let after = app.stored(&id).await;
        assert!(after.paused_at.is_none());
        let waited = zhitongche::calendar::WorkCalendar::default().working_days_between(monday, chrono::Utc::now());
        let cal = zhitongche::applications::sla::calendar(&app.state.db).await.unwrap();
        assert_eq!(after.deadline_at.unwrap(), cal.extend(deadline, cal.working_days_between(monday, chrono::Utc::now())));
        assert!(waited >= 3 && after.deadline_at.unwrap() > deadline);
        // Supplementing twice is a state conflict, not a silent success.
        app.post(&format!("/api/v1/applications/{id}/supplement"), Some(&resident.access), &json!({"note": "再补一次"}))
            .await
            .assert_error(409, "invalid_transition");
    }

    async fn cases_are_claimed_assigned_and_transferred_with_a_reason(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_assign").await;
        let id = new_case(&app, &resident.access, "temporary_assistance", "241", false).await;
        let (a, a_t) = app.staff_token("caseworker", FUAN).await;
        let (b, b_t) = app.staff_token("caseworker", FUAN).await;
        let (_, elsewhere) = app.staff_token("caseworker", "120101001002").await;
        let (elsewhere_staff, _) = (app.create_staff("caseworker", "120103002001").await, ());
        let (_, approver) = app.staff_token("approver", "120101001").await;

        app.act(&a_t, &id, "assign", json!({"assignee_id": b.id})).await.assert_error(403, "role_not_allowed");
        let claimed = app.act(&a_t, &id, "assign", json!({})).await;
        claimed.assert_status(200);
        assert_eq!(claimed.body["assignee"]["id"], a.id.to_string());
        app.act(&b_t, &id, "assign", json!({})).await.assert_error(409, "already_assigned");
        let mine = app.get("/api/v1/staff/applications?assignee=me", Some(&a_t)).await;
        assert!(mine.text.contains(&id));
        assert!(!app.get("/api/v1/staff/applications?assignee=me", Some(&b_t)).await.text.contains(&id));

        app.act(&approver, &id, "assign", json!({"assignee_id": elsewhere_staff.id})).await.assert_status(422);
        app.act(&approver, &id, "assign", json!({"assignee_id": b.id})).await.assert_status(200);

        app.act(&approver, &id, "transfer", json!({"community_code": "120101001002"})).await.assert_error(422, "validation_failed");
        let moved = app.act(&approver, &id, "transfer", json!({"community_code": "120101001002", "note": "申请人实际居住在新津社区"})).await;
        moved.assert_status(200);
        assert_eq!(moved.body["community"]["code"], "120101001002");
        assert!(moved.body["assignee"].is_null());
        app.get(&format!("/api/v1/staff/applications/{id}"), Some(&a_t)).await.assert_error(404, "application_not_found");
        app.get(&format!("/api/v1/staff/applications/{id}"), Some(&elsewhere)).await.assert_status(200);
        app.act(&approver, &id, "transfer", json!({"community_code": "120103002001", "note": "跨区"})).await.assert_error(403, "outside_jurisdiction");
    }

    async fn a_closed_case_is_reopened_by_a_supervisor_with_a_new_clock(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_reopen").await;
        let id = new_case(&app, &resident.access, "temporary_assistance", "251", false).await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let (_, supervisor) = app.staff_token("supervisor", "120101").await;
        app.act(&approver, &id, "reject", json!({"reason": "不属于临时救助范围"})).await.assert_status(200);
        let rejected = app.get(&format!("/api/v1/applications/{id}"), Some(&resident.access)).await;
        assert_eq!(rejected.body["rejection_reason"], "不属于临时救助范围");
        app.act(&worker, &id, "close", json!({})).await.assert_status(200);
        app.act(&supervisor, &id, "reopen", json!({})).await.assert_error(422, "validation_failed");
        let reopened = app.act(&supervisor, &id, "reopen", json!({"note": "回访不满意,申请人称情况有变化"})).await;
        reopened.assert_status(200);
        assert_eq!(reopened.body["status"], "reopened");
        assert_eq!(reopened.body["sla"]["state"], "on_track");
        assert!(reopened.body["sla"]["deadline_at"].is_string());
        // The earlier refusal is history, not the reopened case's answer.
        let mine = app.get(&format!("/api/v1/applications/{id}"), Some(&resident.access)).await;
        assert!(mine.body["rejection_reason"].is_null(), "{}", mine.text);
        assert!(app.stored(&id).await.rejection_reason.is_none());
        app.act(&worker, &id, "submit_review", json!({"note": "复核"})).await.assert_status(200);
        // The resident reads the refusal's reason and that the case was reopened, not why inside.
        let timeline = app.get(&format!("/api/v1/applications/{id}/timeline"), Some(&resident.access)).await;
        let items = timeline.body["items"].as_array().unwrap();
        let of = |action: &str| items.iter().find(|e| e["action"] == action).unwrap_or_else(|| panic!("{action} in {}", timeline.text));
        assert_eq!(of("reject")["data"]["reason"], "不属于临时救助范围");
        assert!(of("reopen")["data"].is_null(), "{}", timeline.text);
        assert!(!timeline.text.contains("回访不满意"), "internal reason leaked: {}", timeline.text);
        let staff = app.get(&format!("/api/v1/staff/applications/{id}"), Some(&supervisor)).await;
        assert!(staff.text.contains("回访不满意"), "{}", staff.text);
    }

    async fn the_longest_names_allowed_still_fit_the_timeline(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let community = "长".repeat(64);
        app.post("/api/v1/admin/jurisdictions", Some(&admin),
                 &json!({"code": "120101001077", "name": community, "level": "community", "parent_code": "120101001"}))
            .await
            .assert_status(201);
        let password = "Long-names-are-fine-9";
        let created = app.post("/api/v1/admin/staff", Some(&admin), &json!({
            "username": "longname", "password": password, "role": "caseworker",
            "jurisdiction_code": "120101001077", "display_name": "名".repeat(64)
        })).await;
        created.assert_status(201);
        let worker = tests::TestStaff {
            id: uuid::Uuid::parse_str(created.body["id"].as_str().unwrap()).unwrap(),
            username: "longname".into(),
            password: password.into(),
        };
        let token = app.login(&worker).await.access;
        let (_, resident) = app.resident_login("o_longnames").await;
        let res = app.apply(&resident.access, &tests::application_body("temporary_assistance", "120101001077", &id_number("19590505", "261"))).await;
        res.assert_status(201);
        let id = res.body["id"].as_str().unwrap();
        app.act(&token, id, "accept", json!({})).await.assert_status(200);
        let detail = app.get(&format!("/api/v1/staff/applications/{id}"), Some(&token)).await;
        let by = detail.body["timeline"][1]["actor"].as_str().unwrap_or_default().to_string();
        assert!(by.starts_with(&"名".repeat(64)), "{}", detail.text);
    }

    async fn the_work_list_filters_searches_and_pages_without_repeats(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_list").await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let mut ids = Vec::new();
        for (i, kind) in ["temporary_assistance", "medical_assistance", "minimum_living_allowance", "education_assistance", "disaster_relief"].iter().enumerate() {
            ids.push(new_case(&app, &resident.access, kind, &format!("3{i}1"), i == 0).await);
        }
        app.act(&worker, &ids[1], "accept", json!({})).await.assert_status(200);
        let accepted = app.get("/api/v1/staff/applications?status=accepted", Some(&worker)).await;
        assert_eq!(accepted.body["items"].as_array().unwrap().len(), 1);
        let two = app.get("/api/v1/staff/applications?status=accepted,submitted&type=medical_assistance", Some(&worker)).await;
        assert_eq!(two.body["items"][0]["id"], ids[1].as_str());

        // Search by full ID number, phone, reference or part of the name.
        let by_id = app.get(&format!("/api/v1/staff/applications?q={}", id_number("19600101", "321")), Some(&worker)).await;
        assert_eq!(by_id.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(by_id.body["items"][0]["id"], ids[2].as_str());
        assert_eq!(app.get("/api/v1/staff/applications?q=13812345678", Some(&worker)).await.body["items"].as_array().unwrap().len(), 5);
        let reference = app.stored(&ids[3]).await.reference;
        assert_eq!(app.get(&format!("/api/v1/staff/applications?q={reference}"), Some(&worker)).await.body["items"][0]["id"], ids[3].as_str());
        let by_name = app.get("/api/v1/staff/applications?q=%E7%A7%80%E5%85%B0", Some(&worker)).await;
        assert_eq!(by_name.body["items"].as_array().unwrap().len(), 5);
        // LIKE wildcards typed into the box are literal characters, not "match anything".
        for wildcard in ["%25", "_", "%E7%A7%80_"] {
            let res = app.get(&format!("/api/v1/staff/applications?q={wildcard}"), Some(&worker)).await;
            assert_eq!(res.body["items"].as_array().unwrap().len(), 0, "{wildcard}: {}", res.text);
        }

        for sort in ["newest", "deadline"] {
            let mut seen = Vec::new();
            let mut path = format!("/api/v1/staff/applications?limit=2&sort={sort}");
            loop {
                let page = app.get(&path, Some(&worker)).await;
                page.assert_status(200);
                for item in page.body["items"].as_array().unwrap() {
                    seen.push(item["id"].as_str().unwrap().to_string());
                }
                match page.body["next_cursor"].as_str() {
                    Some(c) => path = format!("/api/v1/staff/applications?limit=2&sort={sort}&cursor={c}"),
                    None => break,
                }
            }
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), 5, "{sort}: {seen:?}");
            assert_eq!(seen.len(), 5, "{sort}: {seen:?}");
        }
        // Soonest deadline first: the urgent case (hours) leads.
        let by_deadline = app.get("/api/v1/staff/applications?sort=deadline", Some(&worker)).await;
        assert_eq!(by_deadline.body["items"][0]["id"], ids[0].as_str());
        for bad in ["status=nope", "sla=late", "assignee=bob", "sort=random", "cursor=@@"] {
            app.get(&format!("/api/v1/staff/applications?{bad}"), Some(&worker)).await.assert_status(400);
        }
    }
}
