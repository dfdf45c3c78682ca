//! The access token: refreshed once when rejected, replaced by an operator within WeChat's
//! limits, fetched once by concurrent callers and shared between instances through Redis.

use std::time::Duration;

use futures_util::future::join_all;
use sea_orm::EntityTrait;
use serde_json::json;
use tests::{Backend, both_backends};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, method, path},
};

use super::support::{phone_info, phone_mock};

both_backends! {
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
        let fetches = app.wechat_requests("/cgi-bin/stable_token").await.len();
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
        let fetches = app.wechat_requests("/cgi-bin/stable_token").await.len();
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
    let fetches = || async { app.wechat_requests("/cgi-bin/stable_token").await.len() };
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
