//! Calls that carry a resident's words: the content check backs off on busy answers a bounded
//! number of times, and subscribe messages go out exactly, failures keeping their errcode.

use serde_json::json;
use tests::both_backends;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, method, path, query_param},
};
use zhitongche::wechat::{
    DataValue, ErrorClass, SecCheckRequest, SendOutcome, SubscribeMessage, Suggest,
};

both_backends! {
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
