//! Staff login, refresh rotation and reuse detection, logout, throttling, disabled accounts and
//! the access-token negative suite.

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;
use tests::{both_backends, both_backends_with};

fn refresh_body(token: &str) -> serde_json::Value {
    json!({ "refresh_token": token })
}

both_backends! {
    async fn staff_login_returns_a_bearer_pair_that_opens_the_staff_api(app) {
        app.seed_demo().await;
        let staff = app.create_staff("caseworker", "120101001001").await;
        let res = app
            .post("/api/v1/auth/staff/login", None, &json!({"username": staff.username, "password": staff.password}))
            .await;
        res.assert_status(200);
        assert_eq!(res.body["token_type"], "Bearer");
        assert_eq!(res.body["expires_in"], 900);
        assert!(res.body["refresh_token"].as_str().unwrap().len() >= 40);
        let token = res.body["access_token"].as_str().unwrap();
        let me = app.get("/api/v1/staff/me", Some(token)).await;
        me.assert_status(200);
        assert_eq!(me.body["username"], staff.username.as_str());
        assert_eq!(me.body["role"], "caseworker");
        assert_eq!(me.body["jurisdiction"]["code"], "120101001001");
    }

    async fn wrong_password_and_unknown_user_get_the_same_answer(app) {
        app.seed_demo().await;
        let staff = app.create_staff("approver", "120101001").await;
        let wrong = app
            .post("/api/v1/auth/staff/login", None, &json!({"username": staff.username, "password": "not-the-password-1"}))
            .await;
        wrong.assert_error(401, "invalid_credentials");
        let unknown = app
            .post("/api/v1/auth/staff/login", None, &json!({"username": "nobody-here", "password": "whatever-pass-1"}))
            .await;
        unknown.assert_error(401, "invalid_credentials");
        assert_eq!(wrong.body["error"]["message"], unknown.body["error"]["message"]);
    }

    async fn a_username_with_control_characters_is_just_a_wrong_login(app) {
        app.seed_demo().await;
        let staff = app.create_staff("admin", "120000").await;
        let unknown = app
            .post("/api/v1/auth/staff/login", None, &json!({"username": "nobody-here", "password": "whatever-pass-1"}))
            .await;
        unknown.assert_error(401, "invalid_credentials");
        let (head, tail) = staff.username.split_at(3);
        // PostgreSQL cannot store or compare NUL in text; the answer must not show it.
        for username in [format!("{head}\u{0}{tail}"), format!("{}\u{0}", staff.username), format!("{head}\n{tail}")] {
            let res = app
                .post("/api/v1/auth/staff/login", None, &json!({"username": username, "password": staff.password}))
                .await;
            res.assert_error(401, "invalid_credentials");
            assert_eq!(res.body["error"]["message"], unknown.body["error"]["message"]);
        }
    }

    async fn refresh_rotates_and_reusing_an_old_token_revokes_the_family(app) {
        app.seed_demo().await;
        let staff = app.create_staff("operator", "120000").await;
        let first = app.login(&staff).await;

        let second = app.post("/api/v1/auth/refresh", None, &refresh_body(&first.refresh)).await;
        second.assert_status(200);
        let second_refresh = second.body["refresh_token"].as_str().unwrap().to_string();
        assert_ne!(second_refresh, first.refresh);
        let access = second.body["access_token"].as_str().unwrap();
        app.get("/api/v1/staff/me", Some(access)).await.assert_status(200);

        // The old token comes back: someone copied it. The whole family dies.
        app.post("/api/v1/auth/refresh", None, &refresh_body(&first.refresh))
            .await
            .assert_error(401, "refresh_token_reused");
        app.post("/api/v1/auth/refresh", None, &refresh_body(&second_refresh))
            .await
            .assert_error(401, "invalid_refresh_token");
        // Another login starts a fresh family that works.
        let fresh = app.login(&staff).await;
        app.post("/api/v1/auth/refresh", None, &refresh_body(&fresh.refresh)).await.assert_status(200);
    }

    async fn concurrent_use_of_one_refresh_token_succeeds_once_and_revokes_the_family(app) {
        app.seed_demo().await;
        let staff = app.create_staff("operator", "120000").await;
        let tokens = app.login(&staff).await;
        let body = refresh_body(&tokens.refresh);
        let attempts = (0..4).map(|_| app.post("/api/v1/auth/refresh", None, &body));
        let results = futures_join_all(attempts).await;
        let (won, lost): (Vec<_>, Vec<_>) = results.iter().partition(|r| r.status == 200);
        assert_eq!(won.len(), 1, "{results:?}");
        for r in &lost {
            r.assert_error(401, "refresh_token_reused");
        }
        // The copies count as reuse, so even the winner's new token is dead now.
        let winners_token = won[0].body["refresh_token"].as_str().unwrap();
        app.post("/api/v1/auth/refresh", None, &refresh_body(winners_token))
            .await
            .assert_error(401, "invalid_refresh_token");
    }

    async fn a_staff_session_ends_thirty_days_after_login_however_often_refreshed(app) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        use entity::refresh_tokens::{Column, Entity};
        use sha2::Digest;
        app.seed_demo().await;
        let staff = app.create_staff("caseworker", "120101001001").await;
        let login = app.login(&staff).await;
        let res = app.post("/api/v1/auth/refresh", None, &refresh_body(&login.refresh)).await;
        res.assert_status(200);
        let current = res.body["refresh_token"].as_str().unwrap().to_string();
        let first_hash = hex::encode(sha2::Sha256::digest(login.refresh.as_bytes()));
        // Back-dates the login, i.e. the family's first token.
        let back_date = |days: i64| {
            let at = chrono::Utc::now() - chrono::Duration::days(days);
            Entity::update_many()
                .col_expr(Column::CreatedAt, Expr::value(at))
                .col_expr(Column::ExpiresAt, Expr::value(at + chrono::Duration::days(14)))
                .filter(Column::TokenHash.eq(first_hash.clone()))
                .exec(&app.state.db)
        };

        // Logged in 29 days ago and refreshed since: still fine, but the new token ends with
        // the session, not 14 days from now.
        back_date(29).await.unwrap();
        let res = app.post("/api/v1/auth/refresh", None, &refresh_body(&current)).await;
        res.assert_status(200);
        let current = res.body["refresh_token"].as_str().unwrap().to_string();
        let hash = hex::encode(sha2::Sha256::digest(current.as_bytes()));
        let stored = Entity::find().filter(Column::TokenHash.eq(hash)).one(&app.state.db).await.unwrap().unwrap();
        let ends = chrono::Utc::now() + chrono::Duration::days(1);
        assert!(stored.expires_at <= ends + chrono::Duration::minutes(1), "{}", stored.expires_at);

        // Thirty-one days after login, a fresh, unused token of the family no longer refreshes.
        back_date(31).await.unwrap();
        app.post("/api/v1/auth/refresh", None, &refresh_body(&current))
            .await
            .assert_error(401, "session_expired");
        // Logging in again starts a new session.
        let again = app.login(&staff).await;
        app.post("/api/v1/auth/refresh", None, &refresh_body(&again.refresh)).await.assert_status(200);
    }

    async fn resident_sessions_have_no_absolute_limit(app) {
        use sea_orm::{EntityTrait, sea_query::Expr};
        let (_, tokens) = app.resident_login("o_long_lived").await;
        let long_ago = chrono::Utc::now() - chrono::Duration::days(90);
        entity::refresh_tokens::Entity::update_many()
            .col_expr(entity::refresh_tokens::Column::CreatedAt, Expr::value(long_ago))
            .exec(&app.state.db)
            .await
            .unwrap();
        app.post("/api/v1/auth/refresh", None, &refresh_body(&tokens.refresh)).await.assert_status(200);
    }

    async fn logout_ends_the_session(app) {
        app.seed_demo().await;
        let staff = app.create_staff("approver", "120101001").await;
        let tokens = app.login(&staff).await;
        let res = app.post("/api/v1/auth/logout", None, &refresh_body(&tokens.refresh)).await;
        res.assert_status(204);
        app.post("/api/v1/auth/refresh", None, &refresh_body(&tokens.refresh))
            .await
            .assert_error(401, "invalid_refresh_token");
        // Logging out twice, or with garbage, is harmless.
        app.post("/api/v1/auth/logout", None, &refresh_body("garbage")).await.assert_status(204);
    }

    async fn repeated_failed_logins_are_throttled_even_for_the_right_password(app) {
        app.seed_demo().await;
        let staff = app.create_staff("caseworker", "120101001001").await;
        for _ in 0..5 {
            app.post("/api/v1/auth/staff/login", None, &json!({"username": staff.username, "password": "wrong-password-9"}))
                .await
                .assert_error(401, "invalid_credentials");
        }
        let blocked = app
            .post("/api/v1/auth/staff/login", None, &json!({"username": staff.username, "password": staff.password}))
            .await;
        blocked.assert_error(429, "too_many_requests");
        let retry_after: u64 = blocked.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry_after > 0 && retry_after <= 900);
        // Other accounts are unaffected.
        let other = app.create_staff("caseworker", "120101001001").await;
        app.login(&other).await;
    }

    async fn thirty_parallel_guesses_get_no_more_tries_than_five_in_a_row(app) {
        app.seed_demo().await;
        let staff = app.create_staff("caseworker", "120101001001").await;
        let guesses = (0..30).map(|i| {
            let body = json!({"username": staff.username, "password": format!("guess-number-{i}")});
            let app = &app;
            async move { app.post("/api/v1/auth/staff/login", None, &body).await.status.as_u16() }
        });
        let statuses = futures_util::future::join_all(guesses).await;
        let checked = statuses.iter().filter(|s| **s == 401).count();
        let refused = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!((checked, refused), (5, 25), "{statuses:?}");
    }

    async fn a_disabled_account_is_refused_on_its_next_request(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120000").await;
        let worker = app.create_staff("caseworker", "120101001001").await;
        let tokens = app.login(&worker).await;
        app.get("/api/v1/staff/me", Some(&tokens.access)).await.assert_status(200);

        app.patch(&format!("/api/v1/admin/staff/{}", worker.id), Some(&admin), &json!({"disabled": true}))
            .await
            .assert_status(200);

        // Same, still unexpired access token: refused now, not at expiry.
        app.get("/api/v1/staff/me", Some(&tokens.access)).await.assert_error(401, "account_disabled");
        app.post("/api/v1/auth/refresh", None, &refresh_body(&tokens.refresh)).await.assert_status(401);
        app.post("/api/v1/auth/staff/login", None, &json!({"username": worker.username, "password": worker.password}))
            .await
            .assert_error(403, "account_disabled");

        app.patch(&format!("/api/v1/admin/staff/{}", worker.id), Some(&admin), &json!({"disabled": false}))
            .await
            .assert_status(200);
        app.login(&worker).await;
    }

    async fn resident_sessions_refresh_but_never_open_the_staff_api(app) {
        let (id, tokens) = app.resident_login("o_resident_1").await;
        app.get("/api/v1/staff/me", Some(&tokens.access)).await.assert_error(401, "invalid_token");
        let res = app.post("/api/v1/auth/refresh", None, &refresh_body(&tokens.refresh)).await;
        res.assert_status(200);
        let access = res.body["access_token"].as_str().unwrap();
        assert_eq!(app.state.jwt.verify(access, zhitongche::auth::jwt::Audience::Resident).unwrap(), id);
        app.get("/api/v1/staff/me", Some(access)).await.assert_error(401, "invalid_token");
        // The same openid logging in again is the same resident.
        let (again, _) = app.resident_login("o_resident_1").await;
        assert_eq!(again, id);
    }

    async fn a_flood_of_resident_logins_from_one_address_stops_before_wechat(app) {
        use wiremock::{Mock, ResponseTemplate, matchers::{method, path}};
        // Every jscode2session call spends WeChat quota; past the per-address limit none is made.
        Mock::given(method("GET"))
            .and(path("/sns/jscode2session"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"errcode": 40029, "errmsg": "invalid code"})))
            .expect(u64::from(zhitongche::ratelimit::FLOOD_PER_MINUTE))
            .mount(&app.wechat)
            .await;
        for i in 0..zhitongche::ratelimit::FLOOD_PER_MINUTE {
            app.post("/api/v1/auth/wechat/login", None, &json!({"code": format!("flood-code-{i}")}))
                .await
                .assert_error(401, "wechat_code_invalid");
        }
        for i in 0..5 {
            let res = app.post("/api/v1/auth/wechat/login", None, &json!({"code": format!("more-code-{i}")})).await;
            res.assert_error(429, "too_many_requests");
            let retry_after: u64 = res.headers["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&retry_after), "{retry_after}");
        }
        app.wechat.verify().await;
    }

    async fn forged_expired_and_foreign_tokens_are_all_rejected(app) {
        app.seed_demo().await;
        let staff = app.create_staff("admin", "120000").await;
        let keys = app.raw.ztc_jwt_keys.clone().unwrap();
        let (kid, secret) = keys.split_once(':').unwrap();
        let secret = B64.decode(secret).unwrap();
        let now = chrono::Utc::now().timestamp();
        let claims = |aud: &str, iss: &str, exp: i64| json!({
            "iss": iss, "aud": aud, "sub": staff.id.to_string(), "exp": exp, "nbf": now - 10,
            "iat": now - 10, "jti": "x", "typ": "access"
        });
        let sign = |claims: serde_json::Value, kid: &str, key: &[u8], alg: Algorithm| {
            let mut header = Header::new(alg);
            header.kid = Some(kid.to_string());
            encode(&header, &claims, &EncodingKey::from_secret(key).unwrap()).unwrap()
        };
        // Sanity: a correctly made token works, so the rejections below are about the flaw.
        let good = sign(claims("ztc-staff", "zhitongche", now + 300), kid, &secret, Algorithm::HS256);
        app.get("/api/v1/staff/me", Some(&good)).await.assert_status(200);

        let cases = [
            ("expired", sign(claims("ztc-staff", "zhitongche", now - 120), kid, &secret, Algorithm::HS256), "token_expired"),
            ("resident audience", sign(claims("ztc-resident", "zhitongche", now + 300), kid, &secret, Algorithm::HS256), "invalid_token"),
            ("other issuer", sign(claims("ztc-staff", "evil", now + 300), kid, &secret, Algorithm::HS256), "invalid_token"),
            ("unknown kid", sign(claims("ztc-staff", "zhitongche", now + 300), "nope", &secret, Algorithm::HS256), "invalid_token"),
            ("wrong key", sign(claims("ztc-staff", "zhitongche", now + 300), kid, &[9u8; 32], Algorithm::HS256), "invalid_token"),
            ("HS512", sign(claims("ztc-staff", "zhitongche", now + 300), kid, &secret, Algorithm::HS512), "invalid_token"),
            ("garbage", "not.a.jwt".to_string(), "invalid_token"),
        ];
        for (what, token, code) in cases {
            let res = app.get("/api/v1/staff/me", Some(&token)).await;
            assert_eq!(res.status, 401, "{what}: {}", res.text);
            assert_eq!(res.error_code(), code, "{what}");
        }
        let unsigned = format!(
            "{}.{}.",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","kid":"{kid}"}}"#)),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims("ztc-staff", "zhitongche", now + 300).to_string()),
        );
        app.get("/api/v1/staff/me", Some(&unsigned)).await.assert_error(401, "invalid_token");
        app.get("/api/v1/staff/me", None).await.assert_error(401, "missing_token");
    }
}

/// An app that takes the client address from `X-Forwarded-For`, so a test can log in from
/// several addresses.
async fn behind_proxy(backend: tests::Backend) -> tests::TestApp {
    tests::TestApp::builder(backend)
        .settings(|raw| raw.ztc_trust_proxy = Some("true".into()))
        .spawn()
        .await
}

async fn login_from(
    app: &tests::TestApp,
    ip: &str,
    username: &str,
    password: &str,
) -> tests::TestResponse {
    let res = app
        .client
        .post(app.url("/api/v1/auth/staff/login"))
        .header("x-forwarded-for", ip)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    tests::into_test_response(res).await
}

both_backends_with! { behind_proxy;
    async fn failed_logins_from_one_address_do_not_lock_the_owner_out_elsewhere(app) {
        app.seed_demo().await;
        let owner = app.create_staff("admin", "120000").await;
        let attacker = "203.0.113.66";
        for i in 0..60 {
            let res = login_from(&app, attacker, &owner.username, &format!("guess-{i}-x")).await;
            let expected = if i < 5 { 401 } else { 429 };
            assert_eq!(res.status, expected, "attempt {i}: {}", res.text);
        }
        // The guesser stays blocked, even with the right password.
        login_from(&app, attacker, &owner.username, &owner.password).await.assert_error(429, "too_many_requests");
        // The owner, from the office, is not.
        login_from(&app, "198.51.100.7", &owner.username, &owner.password).await.assert_status(200);
    }
}

/// Polls the futures together so the requests really overlap.
async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    futures_util::future::join_all(futs).await
}

/// Two instances on one Redis prefix share one count: guesses spread over them are throttled
/// as if made at one. (With the in-memory fallback each would count only its own.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_counted_across_instances_through_redis() {
    let app = tests::spawn_app(tests::Backend::Postgres).await;
    let second = app.another_instance().await;
    app.seed_demo().await;
    let staff = app.create_staff("caseworker", "120101001001").await;
    let wrong = json!({"username": staff.username, "password": "wrong-password-9"});
    for instance in [&app, &second, &app, &second, &app] {
        instance
            .post("/api/v1/auth/staff/login", None, &wrong)
            .await
            .assert_error(401, "invalid_credentials");
    }
    second
        .post(
            "/api/v1/auth/staff/login",
            None,
            &json!({"username": staff.username, "password": staff.password}),
        )
        .await
        .assert_error(429, "too_many_requests");
    // The count lives in Redis under the deployment's prefix.
    let redis = app.state.redis.clone().expect("Redis");
    let mut conn = redis.conn().await.unwrap();
    let counted: Option<u32> = redis::AsyncCommands::get(
        &mut conn,
        redis.key(&format!(
            "rl:login-fail:acct-ip:127.0.0.1:{}",
            staff.username
        )),
    )
    .await
    .unwrap();
    assert_eq!(counted, Some(6), "five failures and the refused attempt");
    drop(second);
}
