//! The WeChat client against a fake WeChat: exact requests, the shared access token, one
//! refresh on a rejected token, bounded retries, resident login and phone binding, dev mode.

use std::time::Duration;

use futures_util::future::join_all;
use sea_orm::EntityTrait;
use serde_json::json;
use tests::{Backend, TestApp, both_backends};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, method, path, query_param},
};
use zhitongche::wechat::{
    DataValue, ErrorClass, SecCheckRequest, SendOutcome, SubscribeMessage, Suggest,
};

fn session_mock(code: &str, body: serde_json::Value) -> Mock {
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("appid", "wxtestappid"))
        .and(query_param("secret", "wechat-test-secret"))
        .and(query_param("js_code", code))
        .and(query_param("grant_type", "authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
}

fn phone_mock(token: &str, code: &str, body: serde_json::Value) -> Mock {
    Mock::given(method("POST"))
        .and(path("/wxa/business/getuserphonenumber"))
        .and(query_param("access_token", token))
        .and(body_json(json!({ "code": code })))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
}

fn phone_info(appid: &str, country_code: serde_json::Value) -> serde_json::Value {
    json!({"errcode": 0, "errmsg": "ok", "phone_info": {
        "phoneNumber": "13812345678", "purePhoneNumber": "13812345678",
        "countryCode": country_code, "watermark": {"timestamp": 1764390000, "appid": appid}}})
}

both_backends! {
    async fn a_login_code_is_exchanged_once_for_our_own_session(app) {
        session_mock("code-ok-1", json!({"openid": "oTestOpenid000001", "session_key": "SESSIONKEY-SECRET==", "unionid": "uTestUnion01"}))
            .expect(1)
            .mount(&app.wechat)
            .await;
        let res = app.post("/api/v1/auth/wechat/login", None, &json!({"code": "code-ok-1"})).await;
        res.assert_status(200);
        assert_eq!(res.body["token_type"], "Bearer");
        assert!(res.body["expires_in"].as_i64().unwrap() > 0);
        assert!(res.body["refresh_token"].is_string());
        assert!(!res.text.contains("SESSIONKEY"), "session_key leaked: {}", res.text);
        let access = res.body["access_token"].as_str().unwrap();
        let me = app.get("/api/v1/me", Some(access)).await;
        me.assert_status(200);
        assert_eq!(me.body["phone_bound"], false);
        assert!(!me.text.contains("oTestOpenid000001"));
        let resident = zhitongche::residents::store::find_by_openid(&app.state.db, "oTestOpenid000001").await.unwrap().unwrap();
        assert_eq!(resident.unionid.as_deref(), Some("uTestUnion01"));
        assert_eq!(me.body["id"], resident.id.to_string());
        // The refresh token works like any resident session.
        let refreshed = app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": res.body["refresh_token"]})).await;
        refreshed.assert_status(200);
    }

    async fn an_invalid_or_used_login_code_answers_401_asking_to_log_in_again(app) {
        for (code, errcode) in [("expired-code", 40029), ("used-code", 40163)] {
            session_mock(code, json!({"errcode": errcode, "errmsg": format!("invalid code, rid: 6530f8c1-{errcode}")}))
                .expect(1)
                .mount(&app.wechat)
                .await;
            let res = app.post("/api/v1/auth/wechat/login", None, &json!({"code": code})).await;
            res.assert_error(401, "wechat_code_invalid");
            assert_eq!(res.body["error"]["message"], "请重新登录");
        }
        session_mock("blocked-code", json!({"errcode": 40226, "errmsg": "code blocked"}))
            .expect(1)
            .mount(&app.wechat)
            .await;
        app.post("/api/v1/auth/wechat/login", None, &json!({"code": "blocked-code"}))
            .await
            .assert_error(403, "wechat_user_blocked");
        // A busy WeChat is not retried with the same code: one call, then 503.
        session_mock("busy-code", json!({"errcode": -1, "errmsg": "system error"}))
            .expect(1)
            .mount(&app.wechat)
            .await;
        app.post("/api/v1/auth/wechat/login", None, &json!({"code": "busy-code"}))
            .await
            .assert_error(503, "wechat_unavailable");
        let bad = app.post("/api/v1/auth/wechat/login", None, &json!({"code": ""})).await;
        bad.assert_error(422, "validation_failed");
        assert!(bad.body["error"]["fields"]["code"].is_string());
    }

    async fn a_phone_is_bound_after_the_watermark_check_and_stored_encrypted(app) {
        app.mock_stable_token("TOKEN-A", None).await;
        phone_mock("TOKEN-A", "phone-code-1", phone_info("wxtestappid", json!(86)))
            .expect(1)
            .mount(&app.wechat)
            .await;
        phone_mock("TOKEN-A", "phone-code-2", phone_info("wxTHEIRappid", json!("86")))
            .expect(1)
            .mount(&app.wechat)
            .await;
        let (id, tokens) = app.resident_login("oPhoneOwner00001").await;
        let foreign = app.post("/api/v1/me/phone", Some(&tokens.access), &json!({"code": "phone-code-2"})).await;
        foreign.assert_error(422, "phone_code_invalid");
        assert_eq!(app.get("/api/v1/me", Some(&tokens.access)).await.body["phone_bound"], false);

        let res = app.post("/api/v1/me/phone", Some(&tokens.access), &json!({"code": "phone-code-1"})).await;
        res.assert_status(200);
        assert_eq!(res.body["phone_masked"], "138****5678");
        assert_eq!(res.body["phone_bound"], true);
        let me = app.get("/api/v1/me", Some(&tokens.access)).await;
        assert_eq!(me.body["phone_masked"], "138****5678");
        assert!(!me.text.contains("13812345678"));
        let row = entity::residents::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
        let enc = row.phone_enc.unwrap();
        assert!(!enc.contains("13812345678"));
        assert_eq!(app.state.cipher.decrypt(&format!("residents.phone:{id}"), &enc).unwrap(), "13812345678");
        assert_eq!(row.phone_bidx.unwrap(), app.state.cipher.blind_index(zhitongche::privacy::index::PHONE, "13812345678"));
    }

    async fn a_rejected_access_token_is_refreshed_once_and_the_call_retried_once(app) {
        app.mock_stable_token("TOKEN-OLD", Some(1)).await;
        app.mock_stable_token("TOKEN-NEW", None).await;
        phone_mock("TOKEN-OLD", "phone-code-1", json!({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest rid: 65a-1"}))
            .expect(1)
            .mount(&app.wechat)
            .await;
        phone_mock("TOKEN-NEW", "phone-code-1", phone_info("wxtestappid", json!("86")))
            .expect(1)
            .mount(&app.wechat)
            .await;
        let (_, tokens) = app.resident_login("oRefreshCase0001").await;
        let res = app.post("/api/v1/me/phone", Some(&tokens.access), &json!({"code": "phone-code-1"})).await;
        res.assert_status(200);
        assert_eq!(app.state.wechat.access_token().await.unwrap().expose(), "TOKEN-NEW");
        let fetches = app.wechat.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/cgi-bin/stable_token").count();
        assert_eq!(fetches, 2);
    }

    async fn a_leaked_token_is_replaced_by_an_operator_within_wechats_limits(app) {
        use zhitongche::wechat::force::{ACTION, ForceRefreshError, force_refresh};
        app.mock_stable_token("TOKEN-LEAKED", None).await;
        Mock::given(method("POST"))
            .and(path("/cgi-bin/stable_token"))
            .and(body_json(json!({"grant_type": "client_credential", "appid": "wxtestappid", "secret": "wechat-test-secret", "force_refresh": true})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "TOKEN-FRESH", "expires_in": 7200})))
            .expect(1)
            .mount(&app.wechat)
            .await;
        assert_eq!(app.state.wechat.access_token().await.unwrap().expose(), "TOKEN-LEAKED");
        assert!(matches!(force_refresh(&app.state.db, &app.state.wechat, "  ").await, Err(ForceRefreshError::NoReason)));
        force_refresh(&app.state.db, &app.state.wechat, "令牌出现在第三方日志中").await.unwrap();
        assert_eq!(app.state.wechat.access_token().await.unwrap().expose(), "TOKEN-FRESH");
        // WeChat ignores a second force within 30 s: we do not even ask.
        assert!(matches!(force_refresh(&app.state.db, &app.state.wechat, "再试一次").await, Err(ForceRefreshError::TooSoon(_))));
        let audited = entity::audit_log::Entity::find().all(&app.state.db).await.unwrap();
        let rows: Vec<_> = audited.iter().filter(|r| r.action == ACTION).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].detail.as_ref().unwrap()["reason"], "令牌出现在第三方日志中");
        assert!(!rows[0].detail.as_ref().unwrap().to_string().contains("TOKEN-FRESH"), "the token itself is not recorded");
        // Twenty in a day is WeChat's limit.
        for _ in 0..19 {
            zhitongche::audit::store::record(&app.state.db, zhitongche::audit::store::Entry::new(zhitongche::audit::store::Actor::System, ACTION))
                .await
                .unwrap();
        }
        let mut rows: Vec<entity::audit_log::Model> = entity::audit_log::Entity::find().all(&app.state.db).await.unwrap();
        for row in rows.iter_mut().filter(|r| r.action == ACTION) {
            use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
            let mut m = row.clone().into_active_model();
            m.at = Set(chrono::Utc::now() - chrono::Duration::hours(1));
            m.update(&app.state.db).await.unwrap();
        }
        assert!(matches!(force_refresh(&app.state.db, &app.state.wechat, "第二十一次").await, Err(ForceRefreshError::DailyLimit(20))));
    }

    async fn a_token_rejected_twice_fails_instead_of_looping(app) {
        app.mock_stable_token("TOKEN-X", None).await;
        Mock::given(method("POST"))
            .and(path("/wxa/business/getuserphonenumber"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"errcode": 42001, "errmsg": "access_token expired rid: 1-2"})))
            .expect(2)
            .mount(&app.wechat)
            .await;
        let (_, tokens) = app.resident_login("oLoopCase000001").await;
        let res = app.post("/api/v1/me/phone", Some(&tokens.access), &json!({"code": "phone-code-9"})).await;
        res.assert_error(502, "wechat_error");
        let fetches = app.wechat.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/cgi-bin/stable_token").count();
        assert_eq!(fetches, 2, "one fetch, then exactly one refresh");
    }

    async fn concurrent_calls_on_one_instance_fetch_the_token_once(app) {
        Mock::given(method("POST"))
            .and(path("/cgi-bin/stable_token"))
            .respond_with(ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "TOKEN-ONE", "expires_in": 7200}))
                .set_delay(Duration::from_millis(200)))
            .expect(1)
            .mount(&app.wechat)
            .await;
        let calls = (0..12).map(|_| app.state.wechat.access_token());
        for token in join_all(calls).await {
            assert_eq!(token.unwrap().expose(), "TOKEN-ONE");
        }
    }

    async fn busy_answers_back_off_and_retry_a_bounded_number_of_times(app) {
        app.mock_stable_token("TOKEN-B", None).await;
        let check = |content: &str| SecCheckRequest { content: content.into(), scene: 1, openid: "oSecCheck000001".into(), title: None };
        Mock::given(method("POST"))
            .and(path("/wxa/msg_sec_check"))
            .and(query_param("access_token", "TOKEN-B"))
            .and(body_json(json!({"content": "家里困难", "scene": 1, "openid": "oSecCheck000001", "version": 2})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"errcode": -1, "errmsg": "system error"})))
            .up_to_n_times(2)
            .with_priority(1)
            .expect(2)
            .mount(&app.wechat)
            .await;
        Mock::given(method("POST"))
            .and(path("/wxa/msg_sec_check"))
            .and(body_json(json!({"content": "家里困难", "scene": 1, "openid": "oSecCheck000001", "version": 2})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"errcode": 0, "errmsg": "ok", "trace_id": "t1", "result": {"suggest": "risky", "label": 20001}})))
            .expect(1)
            .mount(&app.wechat)
            .await;
        let verdict = app.state.wechat.msg_sec_check(&check("家里困难")).await.unwrap();
        assert_eq!(verdict.result.suggest, Suggest::Risky);

        Mock::given(method("POST"))
            .and(path("/wxa/msg_sec_check"))
            .and(body_json(json!({"content": "一直忙", "scene": 1, "openid": "oSecCheck000001", "version": 2})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"errcode": 45011, "errmsg": "api minute-quota reach limit"})))
            .expect(3)
            .mount(&app.wechat)
            .await;
        let err = app.state.wechat.msg_sec_check(&check("一直忙")).await.unwrap_err();
        assert_eq!(err.errcode(), Some(45011));
        assert_eq!(err.class(), ErrorClass::Transient);
    }

    async fn subscribe_messages_go_out_exactly_and_failures_keep_their_errcode(app) {
        app.mock_stable_token("TOKEN-S", None).await;
        let msg = |touser: &str| SubscribeMessage {
            touser: touser.into(),
            template_id: "TPL-status".into(),
            page: Some("pages/case/index?id=1".into()),
            data: [("thing1".to_string(), DataValue { value: "低保申请已受理".into() }), ("phrase2".to_string(), DataValue { value: "已受理".into() })].into(),
            miniprogram_state: "formal".into(),
            lang: "zh_CN".into(),
        };
        Mock::given(method("POST"))
            .and(path("/cgi-bin/message/subscribe/send"))
            .and(query_param("access_token", "TOKEN-S"))
            .and(body_json(json!({
                "touser": "oConsenting00001", "template_id": "TPL-status", "page": "pages/case/index?id=1",
                "data": {"thing1": {"value": "低保申请已受理"}, "phrase2": {"value": "已受理"}},
                "miniprogram_state": "formal", "lang": "zh_CN"})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"errcode": 0, "errmsg": "ok", "msgid": 1988810812324364291u64})))
            .expect(1)
            .mount(&app.wechat)
            .await;
        let sent = app.state.wechat.send_subscribe_message(&msg("oConsenting00001")).await.unwrap();
        assert_eq!(sent, SendOutcome::Sent { msgid: "1988810812324364291".into() });

        Mock::given(method("POST"))
            .and(path("/cgi-bin/message/subscribe/send"))
            .and(body_json(json!({
                "touser": "oNoConsent000001", "template_id": "TPL-status", "page": "pages/case/index?id=1",
                "data": {"thing1": {"value": "低保申请已受理"}, "phrase2": {"value": "已受理"}},
                "miniprogram_state": "formal", "lang": "zh_CN"})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"errcode": 43101, "errmsg": "user refuse to accept the msg rid: 6a-7b"})))
            .expect(1)
            .mount(&app.wechat)
            .await;
        let err = app.state.wechat.send_subscribe_message(&msg("oNoConsent000001")).await.unwrap_err();
        assert_eq!(err.errcode(), Some(43101));
        assert_eq!(err.class(), ErrorClass::NoConsent);
        assert_eq!(err.rid(), Some("6a-7b"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_access_token_through_redis() {
    let app = tests::spawn_app(Backend::Postgres).await;
    let other = app.another_instance().await;
    Mock::given(method("POST"))
        .and(path("/cgi-bin/stable_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "TOKEN-SHARED", "expires_in": 7200}))
                .set_delay(Duration::from_millis(300)),
        )
        .expect(1)
        .mount(&app.wechat)
        .await;
    let calls = (0..10).flat_map(|_| {
        [
            app.state.wechat.access_token(),
            other.state.wechat.access_token(),
        ]
    });
    for token in join_all(calls).await {
        assert_eq!(token.unwrap().expose(), "TOKEN-SHARED");
    }
    // Cached under a key naming the appid, with TTL = expires_in − 200 s.
    let redis = app.state.redis.clone().unwrap();
    let mut conn = redis.conn().await.unwrap();
    let key = redis.key("wx:wxtestappid:access_token");
    let ttl: i64 = redis::cmd("TTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((6990..=7000).contains(&ttl), "ttl {ttl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_does_not_drop_a_token_another_instance_already_refreshed() {
    let app = tests::spawn_app(Backend::Postgres).await;
    app.mock_stable_token("TOKEN-FIRST", Some(1)).await;
    app.mock_stable_token("TOKEN-SECOND", None).await;
    let first = app.state.wechat.access_token().await.unwrap();
    assert_eq!(first.expose(), "TOKEN-FIRST");
    // Another instance already replaced the token in Redis.
    let redis = app.state.redis.clone().unwrap();
    let mut conn = redis.conn().await.unwrap();
    let key = redis.key("wx:wxtestappid:access_token");
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg("TOKEN-NEWER")
        .query_async(&mut conn)
        .await
        .unwrap();
    // A slow caller reports the old token as rejected: the newer one stays.
    app.state.wechat.drop_rejected_token(&first).await;
    assert_eq!(
        app.state.wechat.access_token().await.unwrap().expose(),
        "TOKEN-NEWER"
    );
    let fetches = || async {
        app.wechat
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/cgi-bin/stable_token")
            .count()
    };
    assert_eq!(fetches().await, 1, "the newer token was kept, no refetch");
    // The current token reported as rejected is dropped, and the next call fetches again.
    let newer = app.state.wechat.access_token().await.unwrap();
    app.state.wechat.drop_rejected_token(&newer).await;
    assert_eq!(
        app.state.wechat.access_token().await.unwrap().expose(),
        "TOKEN-SECOND"
    );
    assert_eq!(fetches().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_wechat_mode_maps_codes_to_dev_openids_and_sends_nothing() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|raw| {
            raw.wechat_app_id = None;
            raw.wechat_app_secret = None;
        })
        .spawn()
        .await;
    let res = app
        .post("/api/v1/auth/wechat/login", None, &json!({"code": "alice"}))
        .await;
    res.assert_status(200);
    let resident = zhitongche::residents::store::find_by_openid(&app.state.db, "dev_alice")
        .await
        .unwrap()
        .expect("resident dev_alice");
    let access = res.body["access_token"].as_str().unwrap();
    let bound = app
        .post(
            "/api/v1/me/phone",
            Some(access),
            &json!({"code": "13912345678"}),
        )
        .await;
    bound.assert_status(200);
    assert_eq!(bound.body["phone_masked"], "139****5678");
    assert_eq!(bound.body["id"], resident.id.to_string());
    let outcome = app
        .state
        .wechat
        .send_subscribe_message(&SubscribeMessage {
            touser: "dev_alice".into(),
            template_id: "TPL".into(),
            page: None,
            data: Default::default(),
            miniprogram_state: "developer".into(),
            lang: "zh_CN".into(),
        })
        .await
        .unwrap();
    assert_eq!(outcome, SendOutcome::SentInDev);
    assert!(
        app.wechat.received_requests().await.unwrap().is_empty(),
        "dev mode called WeChat"
    );
}
