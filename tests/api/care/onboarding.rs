//! Onboarding a bureau's tree and staff from spreadsheets: parents earlier in the same file,
//! the importer's subtree respected, grid workers posted at grids, passwords only for new
//! accounts, and templates to start from.

use serde_json::json;
use tests::both_backends_with;

use super::{
    files::{finished, problems, upload_raw},
    support::quiet_app,
};

fn rows(header: &str, lines: &[&str]) -> Vec<u8> {
    let mut s = format!("{header}\n");
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s.into_bytes()
}

both_backends_with! { quiet_app;
    async fn jurisdictions_then_staff_import_inside_the_subtree_and_again_change_nothing(app) {
        let (_, admin) = app.staff_token("admin", "120101").await;
        let tree = rows("区划代码,名称,层级,上级区划代码", &[
            "120101009,新兴街道,街道,120101",
            "120101009001,新兴社区,社区,120101009",
            "12010100900101,新兴社区第一网格,网格,120101009001",
            "120103009,外区街道,街道,120103",
            "120101001001,福安社区,社区,120101001",
            "120101009002,错层级,网格,120101009",
        ]);
        let first = finished(&app, &admin, &upload_raw(&app, &admin, "jurisdictions", tree.clone()).await).await;
        assert_eq!((first["created"].as_i64(), first["unchanged"].as_i64(), first["error_rows"].as_i64()), (Some(3), Some(1), Some(2)), "{first}");
        assert_eq!(problems(&first), [(5, "上级区划代码".to_string()), (7, "层级".to_string())]);
        let grid = app.get("/api/v1/jurisdictions/12010100900101", None).await;
        assert_eq!(grid.body["path"].as_array().unwrap().len(), 5, "{}", grid.text);
        let again = finished(&app, &admin, &upload_raw(&app, &admin, "jurisdictions", tree).await).await;
        assert_eq!((again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(0), Some(4)));

        let people = rows("用户名,姓名,角色,区划代码,初始密码,停用", &[
            "grid.wang,王网格,网格员,12010100900101,Passw0rd-2026,",
            "new.cw,李社工,社区工作者,120101009001,Passw0rd-2026,否",
            "bad.grid,赵某,网格员,120101009001,Passw0rd-2026,",
            "no.pw,钱某,社区工作者,120101009001,,",
            "peer.admin,孙某,管理员,120101,Passw0rd-2026,",
        ]);
        let staff = finished(&app, &admin, &upload_raw(&app, &admin, "staff", people.clone()).await).await;
        assert_eq!((staff["created"].as_i64(), staff["error_rows"].as_i64()), (Some(2), Some(3)), "{staff}");
        assert_eq!(problems(&staff), [(4, "区划代码".to_string()), (5, "初始密码".to_string()), (6, "角色".to_string())]);
        let login = app.post("/api/v1/auth/staff/login", None, &json!({"username": "grid.wang", "password": "Passw0rd-2026"})).await;
        login.assert_status(200);
        let me = app.get("/api/v1/staff/me", Some(login.body["access_token"].as_str().unwrap())).await;
        assert_eq!(me.body["role"], "grid_worker");
        assert_eq!(me.body["jurisdiction"]["code"], "12010100900101");
        let again = finished(&app, &admin, &upload_raw(&app, &admin, "staff", people).await).await;
        assert_eq!((again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(0), Some(2)));
        // A changed row updates the account, never its password.
        let moved = rows("用户名,角色,区划代码,初始密码", &["new.cw,社区工作者,120101001001,Other-pass-99"]);
        let moved = finished(&app, &admin, &upload_raw(&app, &admin, "staff", moved).await).await;
        assert_eq!(moved["updated"], 1);
        app.post("/api/v1/auth/staff/login", None, &json!({"username": "new.cw", "password": "Passw0rd-2026"})).await.assert_status(200);

        // The API refuses a grid worker away from a grid the same way.
        let api = app.post("/api/v1/admin/staff", Some(&admin), &json!({"username": "api.grid", "password": "Passw0rd-2026", "role": "grid_worker", "jurisdiction_code": "120101009001"})).await;
        assert!(api.body["error"]["fields"]["jurisdiction_code"].is_string(), "{}", api.text);
    }

    async fn templates_name_every_column(app) {
        let (_, admin) = app.staff_token("admin", "120101").await;
        let (status, headers, csv) = app.get_bytes("/api/v1/admin/imports/templates/care_people?format=csv", Some(&admin)).await;
        assert_eq!(status, 200);
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(csv.starts_with(b"\xEF\xBB\xBF"), "a BOM, so Excel reads Chinese");
        assert!(String::from_utf8(csv).unwrap().contains("身份证号,手机号,社区代码"));
        let (_, _, xlsx) = app.get_bytes("/api/v1/admin/imports/templates/staff", Some(&admin)).await;
        let sheet = zhitongche::sheets::read_xlsx(&xlsx).unwrap();
        assert_eq!(sheet[0].1, ["用户名", "姓名", "角色", "区划代码", "初始密码", "停用"]);
    }
}
