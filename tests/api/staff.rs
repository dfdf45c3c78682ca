//! Staff administration: admins act only inside their subtree; roles are checked per request.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tests::both_backends;

both_backends! {
    async fn an_admin_creates_staff_inside_their_subtree_who_can_then_log_in(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let res = app
            .post(
                "/api/v1/admin/staff",
                Some(&admin),
                &json!({"username": "Wang.Fang", "password": "fu-an-2026-x", "role": "caseworker",
                        "jurisdiction_code": "120101001001", "display_name": "王芳"}),
            )
            .await;
        res.assert_status(201);
        assert_eq!(res.body["username"], "wang.fang");
        assert_eq!(res.body["jurisdiction"]["name"], "福安社区");
        assert!(res.body.get("password_hash").is_none() && !res.text.contains("argon2"));
        app.post("/api/v1/auth/staff/login", None, &json!({"username": "wang.fang", "password": "fu-an-2026-x"}))
            .await
            .assert_status(200);
    }

    async fn an_admin_cannot_create_staff_outside_their_subtree(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        for code in ["120103002001", "120000"] {
            app.post(
                "/api/v1/admin/staff",
                Some(&admin),
                &json!({"username": format!("x{code}"), "password": "outside-pass-1", "role": "caseworker", "jurisdiction_code": code}),
            )
            .await
            .assert_error(403, "outside_jurisdiction");
        }
    }

    async fn only_admins_manage_staff(app) {
        app.seed_demo().await;
        for role in ["supervisor", "approver", "caseworker", "operator"] {
            let (_, token) = app.staff_token(role, "120000").await;
            app.post(
                "/api/v1/admin/staff",
                Some(&token),
                &json!({"username": "someone", "password": "some-pass-123", "role": "caseworker", "jurisdiction_code": "120101"}),
            )
            .await
            .assert_error(403, "role_not_allowed");
            app.get("/api/v1/admin/staff", Some(&token)).await.assert_error(403, "role_not_allowed");
        }
    }

    async fn every_invalid_field_is_reported_at_once(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120000").await;
        let res = app
            .post(
                "/api/v1/admin/staff",
                Some(&admin),
                &json!({"username": "张三", "password": "short", "role": "caseworker", "jurisdiction_code": "999999"}),
            )
            .await;
        res.assert_error(422, "validation_failed");
        let fields = res.body["error"]["fields"].as_object().unwrap();
        for f in ["username", "password", "jurisdiction_code"] {
            assert!(fields.contains_key(f), "{f} missing in {}", res.text);
        }
        let unknown_role = app
            .post(
                "/api/v1/admin/staff",
                Some(&admin),
                &json!({"username": "zhangsan", "password": "long-enough-1", "role": "root", "jurisdiction_code": "120000"}),
            )
            .await;
        unknown_role.assert_error(422, "validation_failed");
    }

    async fn a_taken_username_is_a_conflict(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120000").await;
        let body = json!({"username": "li.si", "password": "long-enough-1", "role": "operator", "jurisdiction_code": "120000"});
        app.post("/api/v1/admin/staff", Some(&admin), &body).await.assert_status(201);
        app.post("/api/v1/admin/staff", Some(&admin), &body).await.assert_error(409, "username_taken");
    }

    async fn the_staff_list_shows_only_the_callers_subtree_page_by_page(app) {
        app.seed_demo().await;
        let (_, city) = app.staff_token("admin", "120000").await;
        let (_, heping) = app.staff_token("admin", "120101").await;
        for code in ["120101001", "120101001001", "120101002001"] {
            app.create_staff("caseworker", code).await;
        }
        let outside = app.create_staff("caseworker", "120103002001").await;

        let all = app.get("/api/v1/admin/staff?limit=200", Some(&city)).await;
        all.assert_status(200);
        assert!(all.text.contains(&outside.username));

        let mut seen = Vec::new();
        let mut path = "/api/v1/admin/staff?limit=2".to_string();
        loop {
            let page = app.get(&path, Some(&heping)).await;
            page.assert_status(200);
            for item in page.body["items"].as_array().unwrap() {
                assert!(item["jurisdiction"]["code"].as_str().unwrap().starts_with("120101"), "{item}");
                seen.push(item["username"].as_str().unwrap().to_string());
            }
            match page.body["next_cursor"].as_str() {
                Some(c) => path = format!("/api/v1/admin/staff?limit=2&cursor={c}"),
                None => break,
            }
        }
        // The district admin and the three caseworkers, each once, in username order.
        assert_eq!(seen.len(), 4, "{seen:?}");
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted);
        assert!(!seen.contains(&outside.username));

        let filtered = app.get("/api/v1/admin/staff?role=caseworker&jurisdiction_code=120101002", Some(&heping)).await;
        assert_eq!(filtered.body["items"].as_array().unwrap().len(), 1);
    }

    async fn the_staff_search_takes_wildcards_literally(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120000").await;
        for (username, display_name) in [("li_si", "李四"), ("wang.wu", "完成率100%组长"), ("zhao.liu", "赵六")] {
            app.post("/api/v1/admin/staff", Some(&admin), &json!({
                "username": username, "password": "long-enough-1", "role": "caseworker",
                "jurisdiction_code": "120101001001", "display_name": display_name
            }))
            .await
            .assert_status(201);
        }
        let names = |q: &'static str| {
            let app = &app;
            let admin = admin.clone();
            async move {
                let res = app.get(&format!("/api/v1/admin/staff?limit=200&q={q}"), Some(&admin)).await;
                res.assert_status(200);
                res.body["items"].as_array().unwrap().iter()
                    .map(|i| i["username"].as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(names("_").await, ["li_si"]);
        assert_eq!(names("%25").await, ["wang.wu"]);
        assert_eq!(names("0%25").await, ["wang.wu"]);
        assert!(names("%5C").await.is_empty());
        assert_eq!(names("LI_").await, ["li_si"], "ASCII case is ignored on both databases");
        assert_eq!(names("赵").await, ["zhao.liu"]);
    }

    async fn control_characters_in_staff_queries_and_codes_are_refused_not_failed(app) {
        use base64::Engine;
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120000").await;
        let worker = app.create_staff("caseworker", "120101001001").await;
        for q in ["a%00b", "%00", "a%0Ab"] {
            let res = app.get(&format!("/api/v1/admin/staff?q={q}"), Some(&admin)).await;
            res.assert_error(422, "validation_failed");
            assert!(res.body["error"]["fields"]["q"].is_string(), "{}", res.text);
        }
        let res = app.get("/api/v1/admin/staff?jurisdiction_code=120%00101", Some(&admin)).await;
        res.assert_error(422, "validation_failed");
        assert!(res.body["error"]["fields"]["jurisdiction_code"].is_string(), "{}", res.text);
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("a\u{0}b");
        app.get(&format!("/api/v1/admin/staff?cursor={cursor}"), Some(&admin))
            .await
            .assert_error(400, "invalid_cursor");

        let created = app
            .post("/api/v1/admin/staff", Some(&admin), &json!({
                "username": "nul.code", "password": "long-enough-1", "role": "caseworker",
                "jurisdiction_code": "120101\u{0}"
            }))
            .await;
        created.assert_error(422, "validation_failed");
        assert!(created.body["error"]["fields"]["jurisdiction_code"].is_string(), "{}", created.text);
        let patched = app
            .patch(&format!("/api/v1/admin/staff/{}", worker.id), Some(&admin), &json!({"jurisdiction_code": "\u{0}"}))
            .await;
        patched.assert_error(422, "validation_failed");
        assert!(patched.body["error"]["fields"]["jurisdiction_code"].is_string(), "{}", patched.text);
    }

    async fn patching_staff_is_limited_to_the_subtree(app) {
        app.seed_demo().await;
        let (me, admin) = app.staff_token("admin", "120101").await;
        let inside = app.create_staff("caseworker", "120101001001").await;
        let outside = app.create_staff("caseworker", "120103002001").await;

        let moved = app
            .patch(&format!("/api/v1/admin/staff/{}", inside.id), Some(&admin),
                   &json!({"role": "approver", "jurisdiction_code": "120101001"}))
            .await;
        moved.assert_status(200);
        assert_eq!(moved.body["role"], "approver");
        assert_eq!(moved.body["jurisdiction"]["code"], "120101001");

        app.patch(&format!("/api/v1/admin/staff/{}", inside.id), Some(&admin), &json!({"jurisdiction_code": "120103"}))
            .await
            .assert_error(403, "outside_jurisdiction");
        app.patch(&format!("/api/v1/admin/staff/{}", outside.id), Some(&admin), &json!({"disabled": true}))
            .await
            .assert_error(404, "staff_not_found");
        app.patch(&format!("/api/v1/admin/staff/{}", me.id), Some(&admin), &json!({"disabled": true}))
            .await
            .assert_error(422, "cannot_change_own_access");
        app.patch(&format!("/api/v1/admin/staff/{}", inside.id), Some(&admin), &json!({"status": "x"}))
            .await
            .assert_error(422, "validation_failed");
    }

    async fn a_role_change_applies_on_the_next_request(app) {
        app.seed_demo().await;
        let (_, city) = app.staff_token("admin", "120000").await;
        let (other, other_token) = app.staff_token("admin", "120101").await;
        app.get("/api/v1/admin/staff", Some(&other_token)).await.assert_status(200);
        app.patch(&format!("/api/v1/admin/staff/{}", other.id), Some(&city), &json!({"role": "caseworker"}))
            .await
            .assert_status(200);
        app.get("/api/v1/admin/staff", Some(&other_token)).await.assert_error(403, "role_not_allowed");
    }

    async fn an_admin_creates_admins_only_below_their_own_node(app) {
        app.seed_demo().await;
        let (_, heping) = app.staff_token("admin", "120101").await;
        let create = |username: &str, role: &str, code: &str| {
            json!({"username": username, "password": "long-enough-1", "role": role, "jurisdiction_code": code})
        };
        // A second admin at the admin's own node would be a peer that could disable its creator.
        app.post("/api/v1/admin/staff", Some(&heping), &create("peer.admin", "admin", "120101"))
            .await
            .assert_error(403, "not_below_own_jurisdiction");
        // Below the own node, and other roles at the own node, are fine.
        app.post("/api/v1/admin/staff", Some(&heping), &create("street.admin", "admin", "120101001"))
            .await
            .assert_status(201);
        let worker = app.post("/api/v1/admin/staff", Some(&heping), &create("district.worker", "caseworker", "120101"))
            .await;
        worker.assert_status(201);
        // Nor may an account at the own node be promoted to admin afterwards.
        let id = worker.body["id"].as_str().unwrap();
        app.patch(&format!("/api/v1/admin/staff/{id}"), Some(&heping), &json!({"role": "admin"}))
            .await
            .assert_error(403, "not_below_own_jurisdiction");
        app.patch(&format!("/api/v1/admin/staff/{id}"), Some(&heping), &json!({"role": "supervisor"}))
            .await
            .assert_status(200);
    }

    async fn an_admin_cannot_change_a_peer_admin_at_the_same_node(app) {
        app.seed_demo().await;
        let (creator, creator_token) = app.staff_token("admin", "120101").await;
        let (peer, peer_token) = app.staff_token("admin", "120101").await;
        for change in [json!({"disabled": true}), json!({"role": "caseworker"}),
                       json!({"jurisdiction_code": "120101001"}), json!({"display_name": "改名"})] {
            app.patch(&format!("/api/v1/admin/staff/{}", creator.id), Some(&peer_token), &change)
                .await
                .assert_error(403, "not_below_own_jurisdiction");
            app.patch(&format!("/api/v1/admin/staff/{}", peer.id), Some(&creator_token), &change)
                .await
                .assert_error(403, "not_below_own_jurisdiction");
        }
        // Both still work.
        app.login(&creator).await;
        app.login(&peer).await;
        // An admin below the own node may be changed, but not moved up to the own node.
        let below = app.create_staff("admin", "120101001").await;
        app.patch(&format!("/api/v1/admin/staff/{}", below.id), Some(&creator_token), &json!({"jurisdiction_code": "120101"}))
            .await
            .assert_error(403, "not_below_own_jurisdiction");
        app.patch(&format!("/api/v1/admin/staff/{}", below.id), Some(&creator_token), &json!({"jurisdiction_code": "120101002"}))
            .await
            .assert_status(200);
        app.patch(&format!("/api/v1/admin/staff/{}", below.id), Some(&creator_token), &json!({"disabled": true}))
            .await
            .assert_status(200);
        // The own display name stays editable; the own access does not.
        app.patch(&format!("/api/v1/admin/staff/{}", creator.id), Some(&creator_token), &json!({"display_name": "李主任"}))
            .await
            .assert_status(200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_creates_a_staff_account_that_can_log_in() {
    let app = tests::spawn_app(tests::Backend::Sqlite).await;
    app.seed_demo().await;
    let settings = zhitongche::config::Settings::from_raw(app.raw.clone()).unwrap();
    zhitongche::cli::add_staff(
        &settings,
        "cli.admin",
        "admin",
        "120000",
        Some("管理员".into()),
        "from-stdin-pass-1",
    )
    .await
    .unwrap();
    app.post(
        "/api/v1/auth/staff/login",
        None,
        &json!({"username": "cli.admin", "password": "from-stdin-pass-1"}),
    )
    .await
    .assert_status(200);
    // The command leaves the same audit row as the admin API, naming where it came from.
    let rows = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("staff.create"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].actor_kind, "system");
    let detail = rows[0].detail.clone().unwrap();
    assert_eq!(detail["via"], "cli");
    assert_eq!(detail["role"], "admin");
    assert_eq!(detail["jurisdiction"], "120000");
    // Bad input is refused before anything is written.
    let err = zhitongche::cli::add_staff(&settings, "cli.two", "admin", "120000", None, "short")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("密码"), "{err}");
    assert!(
        zhitongche::cli::add_staff(
            &settings,
            "cli.two",
            "king",
            "120000",
            None,
            "long-enough-1"
        )
        .await
        .is_err()
    );
}
