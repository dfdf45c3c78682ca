//! Residents signing in through WeChat: a login code exchanged once for our own session,
//! invalid codes, a phone bound after the watermark check, and dev mode with no WeChat at all.

use sea_orm::EntityTrait;
use serde_json::json;
use tests::{Backend, TestApp, both_backends};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path, query_param},
};
use zhitongche::wechat::{SendOutcome, SubscribeMessage};

use super::support::{phone_info, phone_mock};

fn session_mock(code: &str, body: serde_json::Value) -> Mock {
    Mock::given(method("GET"))
        .and(path("/sns/jscode2session"))
        .and(query_param("appid", "wxtestappid"))
        .and(query_param("secret", "wechat-test-secret"))
        .and(query_param("js_code", code))
        .and(query_param("grant_type", "authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_wechat_mode_maps_codes_to_dev_openids_and_sends_nothing() {
    let app = TestApp::builder(Backend::Sqlite).dev_wechat().spawn().await;
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
