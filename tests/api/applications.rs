//! Online applications: the whole life of a case, 先行救助, drafts, idempotency, the duplicate
//! guard, privacy at rest and in responses, and who may see what.

use serde_json::{Value, json};
use tests::{application_body, both_backends, id_number};

const FUAN: &str = "120101001001";
const XINJIN: &str = "120101001002";

fn id_of(res: &tests::TestResponse) -> String {
    res.body["id"].as_str().unwrap().to_string()
}

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

    async fn a_draft_can_be_incomplete_edited_then_submitted(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_draft").await;
        let id_no = id_number("19650505", "051");
        let mut body = application_body("minimum_living_allowance", FUAN, &id_no);
        body["household"] = json!([]);
        body["monthly_income_yuan"] = Value::Null;
        body["draft"] = json!(true);
        let draft = app.apply(&resident.access, &body).await;
        draft.assert_status(201);
        assert_eq!(draft.body["status"], "draft");
        let id = id_of(&draft);
        // Drafts are the resident's own: not in any staff queue.
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        assert!(!app.get("/api/v1/staff/applications", Some(&worker)).await.text.contains(&id));
        app.get(&format!("/api/v1/staff/applications/{id}"), Some(&worker)).await.assert_error(404, "application_not_found");
        app.act(&worker, &id, "accept", json!({})).await.assert_error(404, "application_not_found");

        let incomplete = app.post(&format!("/api/v1/applications/{id}/submit"), Some(&resident.access), &json!({})).await;
        incomplete.assert_error(422, "validation_failed");
        assert!(incomplete.body["error"]["fields"]["household"].is_string());
        assert!(incomplete.body["error"]["fields"]["monthly_income_yuan"].is_string());

        let full = application_body("minimum_living_allowance", XINJIN, &id_no);
        let edited = app.send(reqwest::Method::PUT, &format!("/api/v1/applications/{id}"), Some(&resident.access), Some(&full)).await;
        edited.assert_status(200);
        assert_eq!(edited.body["community"]["code"], XINJIN);
        // An empty POST body is fine for old clients.
        let res = app.client.post(app.url(&format!("/api/v1/applications/{id}/submit"))).bearer_auth(&resident.access).send().await.unwrap();
        let submitted = tests::into_test_response(res).await;
        submitted.assert_status(200);
        assert_eq!(submitted.body["status"], "submitted");
        let again = app.send(reqwest::Method::PUT, &format!("/api/v1/applications/{id}"), Some(&resident.access), Some(&full)).await;
        again.assert_error(409, "not_a_draft");
    }

    async fn a_retried_submission_with_the_same_key_returns_the_original_answer(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_retry").await;
        let body = application_body("minimum_living_allowance", FUAN, &id_number("19550303", "061"));
        let send = |b: Value| {
            let req = app.client.post(app.url("/api/v1/applications")).bearer_auth(&resident.access)
                .header("Idempotency-Key", "k-2026-11-29-001").json(&b);
            async move { tests::into_test_response(req.send().await.unwrap()).await }
        };
        let first = send(body.clone()).await;
        first.assert_status(201);
        let second = send(body.clone()).await;
        second.assert_status(201);
        assert_eq!(first.body, second.body);
        let mut changed = body.clone();
        changed["description"] = json!("内容不同的另一次请求,说明文字");
        send(changed).await.assert_error(422, "idempotency_key_reused");
        let mine = app.get("/api/v1/me/applications", Some(&resident.access)).await;
        assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    }

    async fn an_open_case_of_the_same_type_for_the_same_id_number_is_a_conflict(app) {
        app.seed_demo().await;
        let (_, a) = app.resident_login("o_dup_a").await;
        let (_, b) = app.resident_login("o_dup_b").await;
        let id_no = id_number("19600606", "071");
        let first = app.apply(&a.access, &application_body("minimum_living_allowance", FUAN, &id_no)).await;
        first.assert_status(201);
        // Lower-case x and another resident: still the same person.
        let dup = app.apply(&b.access, &application_body("minimum_living_allowance", XINJIN, &id_no.to_lowercase())).await;
        dup.assert_error(409, "duplicate_application");
        assert!(dup.body["error"]["details"].get("existing_id").is_none(), "B may not learn A's case id: {}", dup.text);
        // The owner is pointed at the case they already have.
        let again = app.apply(&a.access, &application_body("minimum_living_allowance", FUAN, &id_no)).await;
        again.assert_error(409, "duplicate_application");
        assert_eq!(again.body["error"]["details"]["existing_id"], first.body["id"]);
        // Another type is fine; after withdrawal the same type is fine again.
        app.apply(&a.access, &application_body("medical_assistance", FUAN, &id_no)).await.assert_status(201);
        app.post(&format!("/api/v1/applications/{}/withdraw", id_of(&first)), Some(&a.access), &json!({"reason": "已找到工作"}))
            .await
            .assert_status(200);
        app.apply(&b.access, &application_body("minimum_living_allowance", XINJIN, &id_no)).await.assert_status(201);
    }

    async fn a_draft_holds_no_place_and_the_first_submission_wins(app) {
        app.seed_demo().await;
        let (_, a) = app.resident_login("o_draft_a").await;
        let (_, b) = app.resident_login("o_draft_b").await;
        let id_no = id_number("19600707", "091");
        let mut body = application_body("minimum_living_allowance", FUAN, &id_no);
        body["draft"] = json!(true);
        let draft = app.apply(&a.access, &body).await;
        draft.assert_status(201);
        // A's unfinished draft does not stop B from applying for the same person.
        let submitted = app.apply(&b.access, &application_body("minimum_living_allowance", XINJIN, &id_no)).await;
        submitted.assert_status(201);
        // A's submission now collides, without learning B's case.
        let late = app.post(&format!("/api/v1/applications/{}/submit", id_of(&draft)), Some(&a.access), &json!({})).await;
        late.assert_error(409, "duplicate_application");
        assert!(late.body["error"]["details"].get("existing_id").is_none(), "{}", late.text);
        assert_eq!(app.stored(&id_of(&draft)).await.status, "draft", "the draft is kept for the resident");
        // Once B's case is withdrawn, A's draft goes through.
        app.post(&format!("/api/v1/applications/{}/withdraw", id_of(&submitted)), Some(&b.access), &json!({"reason": "由家属另行办理"}))
            .await
            .assert_status(200);
        app.post(&format!("/api/v1/applications/{}/submit", id_of(&draft)), Some(&a.access), &json!({})).await.assert_status(200);
    }

    async fn bad_fields_are_all_named_in_chinese(app) {
        app.seed_demo().await;
        let (_, r) = app.resident_login("o_bad").await;
        let body = json!({
            "assistance_type": "nope",
            "community_code": "120101001",
            "applicant": {"name": "", "id_number": "11010519491231002Y", "phone": "138"},
            "household": [{"name": "李", "relation": "", "id_number": "123"}],
            "monthly_income_yuan": 12.345,
            "description": "x",
        });
        let res = app.apply(&r.access, &body).await;
        res.assert_error(422, "validation_failed");
        let fields = res.body["error"]["fields"].as_object().unwrap();
        for f in ["assistance_type", "community_code", "applicant.name", "applicant.id_number", "applicant.phone",
                  "household[0].relation", "household[0].id_number", "monthly_income_yuan"] {
            assert!(fields.contains_key(f), "{f} missing: {}", res.text);
        }
        // A Chinese character where a digit belongs: clear field errors, never a 500.
        let mut odd = application_body("minimum_living_allowance", FUAN, "11010519491231002叉");
        odd["applicant"]["phone"] = json!("1381234567叉");
        let res = app.apply(&r.access, &odd).await;
        res.assert_error(422, "validation_failed");
        assert!(res.body["error"]["fields"]["applicant.id_number"].is_string(), "{}", res.text);
        assert!(res.body["error"]["fields"]["applicant.phone"].is_string(), "{}", res.text);
        // Full-width digits from a Chinese keyboard are read as the same numbers.
        let mut wide = application_body("minimum_living_allowance", FUAN, "１１０１０５１９４９１２３１００２ｘ");
        wide["applicant"]["phone"] = json!("１３８ １２３４ ５６７８");
        let res = app.apply(&r.access, &wide).await;
        res.assert_status(201);
        assert_eq!(res.body["applicant"]["id_number"], "110105********002X");
        assert_eq!(res.body["applicant"]["phone"], "138****5678");
        // A resident cannot set what only staff decide.
        let mut sneaky = application_body("minimum_living_allowance", FUAN, &id_number("19700707", "081"));
        sneaky["status"] = json!("approved");
        app.apply(&r.access, &sneaky).await.assert_error(422, "validation_failed");
        // A child applies through an adult guardian.
        let child = application_body("orphan", FUAN, &id_number("20160101", "091"));
        let res = app.apply(&r.access, &child).await;
        res.assert_error(422, "validation_failed");
        assert!(res.body["error"]["fields"]["guardian"].as_str().unwrap().contains("监护人"));
        let mut with_guardian = child.clone();
        with_guardian["guardian"] = json!({"name": "张大山", "id_number": id_number("19700101", "111"), "relation": "祖父"});
        let ok = app.apply(&r.access, &with_guardian).await;
        ok.assert_status(201);
        assert_eq!(ok.body["guardian"]["relation"], "祖父");
        assert!(ok.body["guardian"]["id_number"].as_str().unwrap().contains("********"));
    }

    async fn another_residents_case_is_not_found(app) {
        app.seed_demo().await;
        let (_, a) = app.resident_login("o_owner").await;
        let (_, b) = app.resident_login("o_other").await;
        let res = app.apply(&a.access, &application_body("minimum_living_allowance", FUAN, &id_number("19501010", "101"))).await;
        let id = id_of(&res);
        for path in [format!("/api/v1/applications/{id}"), format!("/api/v1/applications/{id}/timeline")] {
            app.get(&path, Some(&b.access)).await.assert_error(404, "application_not_found");
        }
        app.post(&format!("/api/v1/applications/{id}/withdraw"), Some(&b.access), &json!({})).await.assert_error(404, "application_not_found");
        app.post(&format!("/api/v1/applications/{id}/supplement"), Some(&b.access), &json!({"note": "x"})).await.assert_error(404, "application_not_found");
        assert!(app.get("/api/v1/me/applications", Some(&b.access)).await.body["items"].as_array().unwrap().is_empty());
        // Staff tokens do not open resident endpoints either.
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        app.get(&format!("/api/v1/applications/{id}"), Some(&worker)).await.assert_error(401, "invalid_token");
        app.get(&format!("/api/v1/applications/{id}"), Some(&a.access)).await.assert_status(200);
    }

    async fn staff_see_and_act_only_inside_their_subtree(app) {
        app.seed_demo().await;
        let (_, r) = app.resident_login("o_scope").await;
        let res = app.apply(&r.access, &application_body("minimum_living_allowance", FUAN, &id_number("19510101", "121"))).await;
        let id = id_of(&res);
        let (_, other_community) = app.staff_token("caseworker", XINJIN).await;
        let (_, other_district) = app.staff_token("approver", "120103002").await;
        for token in [&other_community, &other_district] {
            app.get(&format!("/api/v1/staff/applications/{id}"), Some(token)).await.assert_error(404, "application_not_found");
            app.act(token, &id, "accept", json!({})).await.assert_error(404, "application_not_found");
            app.get(&format!("/api/v1/staff/applications/{id}/pii?reason=核对"), Some(token)).await.assert_error(404, "application_not_found");
            let list = app.get("/api/v1/staff/applications?limit=100", Some(token)).await;
            assert!(!list.text.contains(&id));
            // Naming the other subtree does not widen the view.
            let list = app.get(&format!("/api/v1/staff/applications?jurisdiction_code={FUAN}"), Some(token)).await;
            assert!(list.body["items"].as_array().unwrap().is_empty());
        }
        let (_, operator) = app.staff_token("operator", "120000").await;
        app.act(&operator, &id, "approve", json!({"amount_yuan": 1})).await.assert_error(403, "role_not_allowed");
        app.act(&operator, &id, "accept", json!({})).await.assert_error(403, "role_not_allowed");
        let (_, city_supervisor) = app.staff_token("supervisor", "120000").await;
        app.get(&format!("/api/v1/staff/applications/{id}"), Some(&city_supervisor)).await.assert_status(200);
        // Approval is the street's and casework the community's, even for staff whose subtree
        // holds the case.
        let (_, city_approver) = app.staff_token("approver", "120000").await;
        app.act(&city_approver, &id, "accept", json!({})).await.assert_error(403, "street_approver_only");
        let (_, street_caseworker) = app.staff_token("caseworker", "120101001").await;
        app.act(&street_caseworker, &id, "accept", json!({})).await.assert_error(403, "community_caseworker_only");
        assert_eq!(app.stored(&id).await.status, "submitted");
    }

    async fn full_personal_data_is_for_the_assigned_caseworker_or_the_streets_approver_and_is_logged(app) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        app.seed_demo().await;
        let (_, r) = app.resident_login("o_pii").await;
        let id_no = id_number("19520202", "131");
        let res = app.apply(&r.access, &application_body("minimum_living_allowance", FUAN, &id_no)).await;
        let id = id_of(&res);
        let (worker, worker_token) = app.staff_token("caseworker", FUAN).await;
        let (_, colleague) = app.staff_token("caseworker", FUAN).await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let (_, supervisor) = app.staff_token("supervisor", "120101").await;
        app.act(&worker_token, &id, "accept", json!({})).await.assert_status(200);

        let path = format!("/api/v1/staff/applications/{id}/pii?reason=%E5%85%A5%E6%88%B7%E6%A0%B8%E5%AF%B9");
        let full = app.get(&path, Some(&worker_token)).await;
        full.assert_status(200);
        assert_eq!(full.body["applicant"]["id_number"], id_no.as_str());
        assert_eq!(full.body["applicant"]["phone"], "13812345678");
        assert_eq!(full.headers["cache-control"], "no-store");
        app.get(&path, Some(&approver)).await.assert_status(200);
        app.get(&path, Some(&colleague)).await.assert_error(403, "pii_not_allowed");
        app.get(&path, Some(&supervisor)).await.assert_error(403, "pii_not_allowed");
        let (_, district_approver) = app.staff_token("approver", "120101").await;
        app.get(&path, Some(&district_approver)).await.assert_error(403, "pii_not_allowed");
        app.get(&format!("/api/v1/staff/applications/{id}/pii?reason="), Some(&worker_token)).await.assert_status(422);

        let log = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Action.eq("application.pii_read"))
            .filter(entity::audit_log::Column::TargetId.eq(id.clone()))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(log.len(), 2, "one row per unmasked read");
        assert_eq!(log[0].actor_id, Some(worker.id));
        assert_eq!(log[0].detail.as_ref().unwrap()["reason"], "入户核对");
        // Every other response is masked.
        let detail = app.get(&format!("/api/v1/staff/applications/{id}"), Some(&worker_token)).await;
        assert!(!detail.text.contains(&id_no) && !detail.text.contains("13812345678"));
    }

    async fn the_database_holds_no_plaintext_id_number_or_phone(app) {
        app.seed_demo().await;
        let (_, r) = app.resident_login("o_dump").await;
        let id_no = id_number("19530303", "141");
        let mut body = application_body("minimum_living_allowance", FUAN, &id_no);
        body["applicant"]["phone"] = json!("13987654321");
        body["household"] = json!([{"name": "王建国", "relation": "配偶", "id_number": id_number("19520101", "151")}]);
        app.apply(&r.access, &body).await.assert_status(201);
        let dump = match app.backend {
            tests::Backend::Postgres => {
                let url = app.raw.database_url.clone().unwrap();
                let out = std::process::Command::new("pg_dump").arg("--data-only").arg(&url).output().expect("pg_dump runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                String::from_utf8_lossy(&out.stdout).to_string()
            }
            tests::Backend::Sqlite => {
                // Checkpoint so the WAL is in the main file, then read every byte.
                sea_orm::ConnectionTrait::execute_unprepared(&app.state.db, "PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
                let dir = std::path::PathBuf::from(app.raw.ztc_data_dir.clone().unwrap());
                let mut all = Vec::new();
                for f in ["app.db", "app.db-wal"] {
                    if let Ok(bytes) = std::fs::read(dir.join(f)) {
                        all.extend(bytes);
                    }
                }
                String::from_utf8_lossy(&all).to_string()
            }
        };
        assert!(dump.contains("138****") || dump.contains("139****"), "the dump is readable: masked copy expected");
        for secret in [id_no.as_str(), &id_number("19520101", "151"), "13987654321"] {
            assert!(!dump.contains(secret), "plaintext {secret} found in the database");
        }
    }
}

/// What a resident writes goes through WeChat's content check at submission: `risky` is refused
/// with words they can act on, `review` and an unavailable check let it through, marked for a
/// person to read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_resident_writes_is_checked_and_a_failed_check_lets_it_through() {
    use wiremock::{
        Mock, ResponseTemplate,
        matchers::{body_partial_json, method, path, query_param},
    };
    let app = tests::TestApp::builder(tests::Backend::Postgres)
        .settings(|raw| raw.wechat_content_check = Some("on".into()))
        .spawn()
        .await;
    app.seed_demo().await;
    app.mock_stable_token("TOKEN-C", None).await;
    let (_, resident) = app.resident_login("oContentCheck01").await;
    let verdict = |content: &str, answer: Value| {
        Mock::given(method("POST"))
            .and(path("/wxa/msg_sec_check"))
            .and(query_param("access_token", "TOKEN-C"))
            .and(body_partial_json(
                json!({"content": content, "scene": 1, "openid": "oContentCheck01", "version": 2}),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
    };
    verdict("不当内容", json!({"errcode": 0, "errmsg": "ok", "trace_id": "t-1", "result": {"suggest": "risky", "label": 20001}}))
        .expect(1)
        .mount(&app.wechat)
        .await;
    verdict("家里很困难,需要人看看", json!({"errcode": 0, "errmsg": "ok", "trace_id": "t-2", "result": {"suggest": "review", "label": 21000}}))
        .expect(1)
        .mount(&app.wechat)
        .await;
    Mock::given(method("POST"))
        .and(path("/wxa/msg_sec_check"))
        .and(body_partial_json(json!({"content": "检测服务出故障时"})))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&app.wechat)
        .await;
    let with = |text: &str, seq: &str| {
        let mut body = application_body("temporary_assistance", FUAN, &id_number("19500505", seq));
        body["description"] = json!(text);
        body
    };

    let refused = app.apply(&resident.access, &with("不当内容", "701")).await;
    refused.assert_error(422, "validation_failed");
    assert!(
        refused.body["error"]["fields"]["description"]
            .as_str()
            .unwrap()
            .contains("请修改后再提交")
    );
    let mine = app
        .get("/api/v1/me/applications", Some(&resident.access))
        .await;
    assert!(
        mine.body["items"].as_array().unwrap().is_empty(),
        "nothing was created"
    );

    let (_, worker) = app.staff_token("caseworker", FUAN).await;
    for (text, seq, reason) in [
        ("家里很困难,需要人看看", "711", "wechat_review"),
        ("检测服务出故障时也要能申请", "721", "check_unavailable"),
    ] {
        let send = || async {
            let res = app
                .client
                .post(app.url("/api/v1/applications"))
                .bearer_auth(&resident.access)
                .header("Idempotency-Key", format!("content-{seq}"))
                .json(&with(text, seq))
                .send()
                .await
                .unwrap();
            tests::into_test_response(res).await
        };
        let res = send().await;
        res.assert_status(201);
        let id = id_of(&res);
        // A retry on a bad connection is the original answer, not a second check (the review
        // mock expects exactly one call).
        let again = send().await;
        again.assert_status(201);
        assert_eq!(id_of(&again), id);
        let detail = app
            .get(&format!("/api/v1/staff/applications/{id}"), Some(&worker))
            .await;
        let marked: Vec<&Value> = detail.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "content_review")
            .collect();
        assert_eq!(marked.len(), 1, "{}", detail.text);
        assert_eq!(marked[0]["data"]["reason"], reason);
        // The resident's own timeline does not show it.
        let own = app
            .get(
                &format!("/api/v1/applications/{id}/timeline"),
                Some(&resident.access),
            )
            .await;
        assert!(!own.text.contains("content_review"), "{}", own.text);
    }
}
