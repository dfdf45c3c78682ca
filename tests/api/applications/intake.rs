//! Taking an application in: drafts, idempotent retries, the duplicate guard, every bad field
//! named, and WeChat's content check on what a resident writes.

use serde_json::{Value, json};
use tests::{application_body, both_backends, id_number};

use super::support::{FUAN, XINJIN, id_of};

both_backends! {
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
