//! The jurisdiction tree: public reads with the path to the root, admin changes in the subtree.

use serde_json::json;
use tests::both_backends;

both_backends! {
    async fn a_node_comes_with_its_path_to_the_root(app) {
        app.seed_demo().await;
        let res = app.get("/api/v1/jurisdictions/120101001001", None).await;
        res.assert_status(200);
        assert_eq!(res.body["name"], "福安社区");
        assert_eq!(res.body["level"], "community");
        assert_eq!(res.body["parent_code"], "120101001");
        let codes: Vec<&str> = res.body["path"].as_array().unwrap().iter().map(|n| n["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["120000", "120101", "120101001", "120101001001"]);
        let levels: Vec<&str> = res.body["path"].as_array().unwrap().iter().map(|n| n["level"].as_str().unwrap()).collect();
        assert_eq!(levels, ["city", "district", "street", "community"]);
    }

    async fn tianjin_has_its_sixteen_districts_in_code_order(app) {
        app.seed_demo().await;
        let res = app.get("/api/v1/jurisdictions/120000/children", None).await;
        res.assert_status(200);
        let items = res.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 16);
        assert_eq!(items[0]["code"], "120101");
        assert_eq!(items[0]["name"], "和平区");
        assert_eq!(items[15]["code"], "120119");
        assert_eq!(items[15]["name"], "蓟州区");
        // The demo loader is idempotent.
        app.seed_demo().await;
        assert_eq!(app.get("/api/v1/jurisdictions/120000/children", None).await.body["items"].as_array().unwrap().len(), 16);
        app.get("/api/v1/jurisdictions/999999", None).await.assert_error(404, "jurisdiction_not_found");
    }

    async fn an_admin_adds_and_renames_nodes_in_their_subtree(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120101").await;
        let res = app
            .post("/api/v1/admin/jurisdictions", Some(&admin),
                  &json!({"code": "120101004", "name": "新兴街道", "level": "street", "parent_code": "120101"}))
            .await;
        res.assert_status(201);
        assert_eq!(res.body["path"].as_array().unwrap().len(), 3);
        let children = app.get("/api/v1/jurisdictions/120101/children", None).await;
        assert!(children.text.contains("新兴街道"));

        let renamed = app
            .patch("/api/v1/admin/jurisdictions/120101004", Some(&admin), &json!({"name": " 新兴街道(新) "}))
            .await;
        renamed.assert_status(200);
        assert_eq!(renamed.body["name"], "新兴街道(新)");
    }

    async fn a_new_node_must_sit_one_level_below_its_parent(app) {
        app.seed_demo().await;
        let (_, admin) = app.staff_token("admin", "120000").await;
        let res = app
            .post("/api/v1/admin/jurisdictions", Some(&admin),
                  &json!({"code": "120101999", "name": "错层社区", "level": "community", "parent_code": "120101"}))
            .await;
        res.assert_error(422, "validation_failed");
        assert!(res.body["error"]["fields"]["level"].as_str().unwrap().contains("street"));
        let under_grid = app
            .post("/api/v1/admin/jurisdictions", Some(&admin),
                  &json!({"code": "1201010010010101", "name": "x", "level": "grid", "parent_code": "12010100100101"}))
            .await;
        under_grid.assert_error(422, "validation_failed");
        let no_parent = app
            .post("/api/v1/admin/jurisdictions", Some(&admin), &json!({"code": "130000", "name": "河北省", "level": "city"}))
            .await;
        no_parent.assert_error(422, "validation_failed");
        assert!(no_parent.body["error"]["fields"]["parent_code"].is_string());
        let bad_code = app
            .post("/api/v1/admin/jurisdictions", Some(&admin),
                  &json!({"code": "12%", "name": "", "level": "street", "parent_code": "120101"}))
            .await;
        bad_code.assert_error(422, "validation_failed");
        assert!(bad_code.body["error"]["fields"]["code"].is_string());
        assert!(bad_code.body["error"]["fields"]["name"].is_string());
    }

    async fn codes_are_unique_and_subtrees_are_enforced(app) {
        app.seed_demo().await;
        let (_, city) = app.staff_token("admin", "120000").await;
        let (_, heping) = app.staff_token("admin", "120101").await;
        app.post("/api/v1/admin/jurisdictions", Some(&city),
                 &json!({"code": "120101001", "name": "重复", "level": "street", "parent_code": "120101"}))
            .await
            .assert_error(409, "jurisdiction_code_taken");
        app.post("/api/v1/admin/jurisdictions", Some(&heping),
                 &json!({"code": "120103099", "name": "越界街道", "level": "street", "parent_code": "120103"}))
            .await
            .assert_error(403, "outside_jurisdiction");
        app.patch("/api/v1/admin/jurisdictions/120103", Some(&heping), &json!({"name": "改名"}))
            .await
            .assert_error(403, "outside_jurisdiction");
        let (_, supervisor) = app.staff_token("supervisor", "120000").await;
        app.patch("/api/v1/admin/jurisdictions/120101", Some(&supervisor), &json!({"name": "改名"}))
            .await
            .assert_error(403, "role_not_allowed");
        assert_eq!(app.get("/api/v1/jurisdictions/120103", None).await.body["name"], "河西区");
    }

    async fn an_admin_renames_only_nodes_below_their_own_except_at_the_root(app) {
        app.seed_demo().await;
        let (_, heping) = app.staff_token("admin", "120101").await;
        app.patch("/api/v1/admin/jurisdictions/120101", Some(&heping), &json!({"name": "自封区"}))
            .await
            .assert_error(403, "not_below_own_jurisdiction");
        assert_eq!(app.get("/api/v1/jurisdictions/120101", None).await.body["name"], "和平区");
        app.patch("/api/v1/admin/jurisdictions/120101001", Some(&heping), &json!({"name": "劝业场街道(新)"}))
            .await
            .assert_status(200);
        // Nobody is above the root, so the root's own admins keep its name up to date.
        let (_, city) = app.staff_token("admin", "120000").await;
        app.patch("/api/v1/admin/jurisdictions/120000", Some(&city), &json!({"name": "天津市(测试)"}))
            .await
            .assert_status(200);
        app.patch("/api/v1/admin/jurisdictions/120101", Some(&city), &json!({"name": "和平区"}))
            .await
            .assert_status(200);
    }
}
