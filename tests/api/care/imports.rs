//! Bulk onboarding of the registry: a 1,000-row file with seven bad rows reports exactly those
//! seven and writes the rest; importing it again changes nothing; the same content as XLSX
//! reads the same.

use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use tests::{TestApp, both_backends_with};

use super::{
    files::{
        BAD, HEADER, csv, finished, generated_id, people_rows, problems, upload_form, upload_raw,
        xlsx,
    },
    support::{FUAN, quiet_app},
};

async fn snapshot(app: &TestApp) -> Vec<(uuid::Uuid, i32, chrono::DateTime<chrono::Utc>)> {
    entity::care_people::Entity::find()
        .order_by_asc(entity::care_people::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.version, p.updated_at))
        .collect()
}

async fn events(app: &TestApp) -> u64 {
    entity::care_events::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

both_backends_with! { quiet_app;
    async fn a_thousand_rows_with_seven_bad_ones_import_the_rest_once_and_xlsx_reads_like_csv(app) {
        let (_, admin) = app.staff_token("admin", "120101").await;
        let worker = app.create_staff("caseworker", FUAN).await;
        let rows = people_rows(1000, &worker.username);

        let first = finished(&app, &admin, &upload_raw(&app, &admin, "care_people", csv(&HEADER, &rows)).await).await;
        assert_eq!(first["status"], "done", "{first}");
        assert_eq!((first["total_rows"].as_i64(), first["created"].as_i64(), first["error_rows"].as_i64()), (Some(1000), Some(993), Some(7)));
        let expected: Vec<(i64, String)> = BAD.iter().map(|(i, col)| (*i as i64 + 2, col.to_string())).collect();
        assert_eq!(problems(&first), expected, "{first}");
        let dup = first["errors"].as_array().unwrap().iter().find(|e| e["row"] == 779).unwrap();
        assert_eq!(dup["message"], "与第 7 行的身份证号重复");
        assert!(first["longest_transaction_ms"].as_i64().is_some());
        assert_eq!(entity::care_people::Entity::find().count(&app.state.db).await.unwrap(), 993);
        let before = snapshot(&app).await;
        let written = events(&app).await;
        assert_eq!(written, 993);

        // What was written is what the file said, checked like the API would.
        let (_, fuan_worker) = app.staff_token("caseworker", FUAN).await;
        let one = app.get(&format!("/api/v1/care/people?q={}", generated_id(20)), Some(&fuan_worker)).await;
        let p = &one.body["items"][0];
        assert_eq!(p["phone"], "139****0020");
        assert_eq!(p["groups"][0]["group"], "elderly_alone");
        assert_eq!(p["worker"]["id"], worker.id.to_string());
        // 21 November, China time.
        assert_eq!(p["schedule"]["last_visited_at"], "2026-11-20T16:00:00Z");

        // The same file again: every good row unchanged, the same seven refused, nothing written.
        let again = finished(&app, &admin, &upload_raw(&app, &admin, "care_people", csv(&HEADER, &rows)).await).await;
        assert_eq!((again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64(), again["error_rows"].as_i64()), (Some(0), Some(0), Some(993), Some(7)));
        assert_eq!(snapshot(&app).await, before);
        assert_eq!(events(&app).await, written);

        // The same content as XLSX (numbers as numbers, dates as dates), sent as a form.
        let from_xlsx = finished(&app, &admin, &upload_form(&app, &admin, "care_people", "名册.xlsx", &xlsx(&HEADER, &rows)).await).await;
        assert_eq!(from_xlsx["format"], "xlsx");
        assert_eq!((from_xlsx["created"].as_i64(), from_xlsx["updated"].as_i64(), from_xlsx["unchanged"].as_i64()), (Some(0), Some(0), Some(993)));
        assert_eq!(from_xlsx["errors"], first["errors"]);
        assert_eq!(snapshot(&app).await, before);
    }

    async fn an_xlsx_file_imports_into_an_empty_registry_as_the_csv_does(app) {
        let (_, admin) = app.staff_token("admin", "120101").await;
        let rows = people_rows(40, "nobody");
        let report = finished(&app, &admin, &upload_form(&app, &admin, "care_people", "名册.xlsx", &xlsx(&HEADER, &rows)).await).await;
        assert_eq!((report["created"].as_i64(), report["error_rows"].as_i64()), (Some(36), Some(4)), "{report}");
        // Row 12 has a wrong check digit; rows 2, 12, 22 and 32 name a worker who does not exist.
        let mut rows_reported: Vec<i64> = problems(&report).iter().map(|(r, _)| *r).collect();
        rows_reported.dedup();
        assert_eq!(rows_reported, [2, 12, 22, 32]);
        assert!(problems(&report).contains(&(12, "身份证号".to_string())));
        assert!(problems(&report).contains(&(22, "责任人用户名".to_string())));
        let again = finished(&app, &admin, &upload_raw(&app, &admin, "care_people", csv(&HEADER, &rows)).await).await;
        assert_eq!((again["created"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(36)));
    }
}

both_backends_with! { quiet_app;
    async fn a_bad_file_a_missing_kind_and_a_non_admin_are_refused_in_words(app) {
        let (_, admin) = app.staff_token("admin", "120101").await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        upload_raw(&app, &worker, "care_people", b"x".to_vec()).await.assert_error(403, "role_not_allowed");
        let no_kind = app.client.post(app.url("/api/v1/admin/imports")).bearer_auth(&admin).body("a,b").send().await.unwrap();
        let no_kind = tests::into_test_response(no_kind).await;
        no_kind.assert_error(422, "validation_failed");
        assert!(no_kind.body["error"]["fields"]["kind"].is_string());
        let broken = finished(&app, &admin, &upload_form(&app, &admin, "care_people", "坏文件.xlsx", b"PK\x03\x04not really a workbook").await).await;
        assert_eq!(broken["status"], "failed");
        assert!(broken["message"].as_str().unwrap().contains("XLSX"), "{broken}");
        let headless = finished(&app, &admin, &upload_raw(&app, &admin, "care_people", "姓名,手机号\n王秀英,13800001111\n".into()).await).await;
        assert!(headless["message"].as_str().unwrap().contains("身份证号"), "{headless}");
        let elsewhere = app.get(&format!("/api/v1/admin/imports/{}", headless["id"].as_str().unwrap()), Some(&app.staff_token("admin", "120103").await.1)).await;
        elsewhere.assert_error(404, "import_not_found");
    }
}
