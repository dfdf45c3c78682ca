//! Who may see what: another resident's case, staff outside the subtree, full personal data
//! only for the assigned caseworker or the street's approver (and logged), nothing plain at rest.

use serde_json::json;
use tests::{application_body, both_backends, id_number};

use super::support::{FUAN, XINJIN, id_of};

both_backends! {
    async fn another_residents_case_is_not_found(app) {
        app.seed_demo().await;
        let (_, a) = app.resident_login("o_owner").await;
        let (_, b) = app.resident_login("o_other").await;
        let res = app.apply(&a.access, &application_body("minimum_living_allowance", FUAN, &id_number("19501010", "101"))).await;
        let id = id_of(&res);
        for path in [format!("/api/v1/applications/{id}"), format!("/api/v1/applications/{id}/timeline")] {
            app.get(&path, Some(&b.access)).await.assert_error(404, "application_not_found");
        }
        app.post(&format!("/api/v1/applications/{id}/withdraw"), Some(&b.access), &json!({})).await.assert_error(404, "application_not_found");
        app.post(&format!("/api/v1/applications/{id}/supplement"), Some(&b.access), &json!({"note": "x"})).await.assert_error(404, "application_not_found");
        assert!(app.get("/api/v1/me/applications", Some(&b.access)).await.body["items"].as_array().unwrap().is_empty());
        // Staff tokens do not open resident endpoints either.
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        app.get(&format!("/api/v1/applications/{id}"), Some(&worker)).await.assert_error(401, "invalid_token");
        app.get(&format!("/api/v1/applications/{id}"), Some(&a.access)).await.assert_status(200);
    }

    async fn staff_see_and_act_only_inside_their_subtree(app) {
        app.seed_demo().await;
        let (_, r) = app.resident_login("o_scope").await;
        let res = app.apply(&r.access, &application_body("minimum_living_allowance", FUAN, &id_number("19510101", "121"))).await;
        let id = id_of(&res);
        let (_, other_community) = app.staff_token("caseworker", XINJIN).await;
        let (_, other_district) = app.staff_token("approver", "120103002").await;
        for token in [&other_community, &other_district] {
            app.get(&format!("/api/v1/staff/applications/{id}"), Some(token)).await.assert_error(404, "application_not_found");
            app.act(token, &id, "accept", json!({})).await.assert_error(404, "application_not_found");
            app.get(&format!("/api/v1/staff/applications/{id}/pii?reason=核对"), Some(token)).await.assert_error(404, "application_not_found");
            let list = app.get("/api/v1/staff/applications?limit=100", Some(token)).await;
            assert!(!list.text.contains(&id));
            // Naming the other subtree does not widen the view.
            let list = app.get(&format!("/api/v1/staff/applications?jurisdiction_code={FUAN}"), Some(token)).await;
            assert!(list.body["items"].as_array().unwrap().is_empty());
        }
        let (_, operator) = app.staff_token("operator", "120000").await;
        app.act(&operator, &id, "approve", json!({"amount_yuan": 1})).await.assert_error(403, "role_not_allowed");
        app.act(&operator, &id, "accept", json!({})).await.assert_error(403, "role_not_allowed");
        let (_, city_supervisor) = app.staff_token("supervisor", "120000").await;
        app.get(&format!("/api/v1/staff/applications/{id}"), Some(&city_supervisor)).await.assert_status(200);
        // Approval is the street's and casework the community's, even for staff whose subtree
        // holds the case.
        let (_, city_approver) = app.staff_token("approver", "120000").await;
        app.act(&city_approver, &id, "accept", json!({})).await.assert_error(403, "street_approver_only");
        let (_, street_caseworker) = app.staff_token("caseworker", "120101001").await;
        app.act(&street_caseworker, &id, "accept", json!({})).await.assert_error(403, "community_caseworker_only");
        assert_eq!(app.stored(&id).await.status, "submitted");
    }

    async fn full_personal_data_is_for_the_assigned_caseworker_or_the_streets_approver_and_is_logged(app) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        app.seed_demo().await;
        let (_, r) = app.resident_login("o_pii").await;
        let id_no = id_number("19520202", "131");
        let res = app.apply(&r.access, &application_body("minimum_living_allowance", FUAN, &id_no)).await;
        let id = id_of(&res);
        let (worker, worker_token) = app.staff_token("caseworker", FUAN).await;
        let (_, colleague) = app.staff_token("caseworker", FUAN).await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let (_, supervisor) = app.staff_token("supervisor", "120101").await;
        app.act(&worker_token, &id, "accept", json!({})).await.assert_status(200);

        let path = format!("/api/v1/staff/applications/{id}/pii?reason=%E5%85%A5%E6%88%B7%E6%A0%B8%E5%AF%B9");
        let full = app.get(&path, Some(&worker_token)).await;
        full.assert_status(200);
        assert_eq!(full.body["applicant"]["id_number"], id_no.as_str());
        assert_eq!(full.body["applicant"]["phone"], "13812345678");
        assert_eq!(full.headers["cache-control"], "no-store");
        app.get(&path, Some(&approver)).await.assert_status(200);
        app.get(&path, Some(&colleague)).await.assert_error(403, "pii_not_allowed");
        app.get(&path, Some(&supervisor)).await.assert_error(403, "pii_not_allowed");
        let (_, district_approver) = app.staff_token("approver", "120101").await;
        app.get(&path, Some(&district_approver)).await.assert_error(403, "pii_not_allowed");
        app.get(&format!("/api/v1/staff/applications/{id}/pii?reason="), Some(&worker_token)).await.assert_status(422);

        let log = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Action.eq("application.pii_read"))
            .filter(entity::audit_log::Column::TargetId.eq(id.clone()))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(log.len(), 2, "one row per unmasked read");
        assert_eq!(log[0].actor_id, Some(worker.id));
        assert_eq!(log[0].detail.as_ref().unwrap()["reason"], "入户核对");
        // Every other response is masked.
        let detail = app.get(&format!("/api/v1/staff/applications/{id}"), Some(&worker_token)).await;
        assert!(!detail.text.contains(&id_no) && !detail.text.contains("13812345678"));
    }

    async fn the_database_holds_no_plaintext_id_number_or_phone(app) {
        app.seed_demo().await;
        let (_, r) = app.resident_login("o_dump").await;
        let id_no = id_number("19530303", "141");
        let mut body = application_body("minimum_living_allowance", FUAN, &id_no);
        body["applicant"]["phone"] = json!("13987654321");
        body["household"] = json!([{"name": "王建国", "relation": "配偶", "id_number": id_number("19520101", "151")}]);
        app.apply(&r.access, &body).await.assert_status(201);
        let dump = match app.backend {
            tests::Backend::Postgres => {
                let url = app.raw.database_url.clone().unwrap();
                let out = std::process::Command::new("pg_dump").arg("--data-only").arg(&url).output().expect("pg_dump runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                String::from_utf8_lossy(&out.stdout).to_string()
            }
            tests::Backend::Sqlite => {
                // Checkpoint so the WAL is in the main file, then read every byte.
                sea_orm::ConnectionTrait::execute_unprepared(&app.state.db, "PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
                let dir = std::path::PathBuf::from(app.raw.ztc_data_dir.clone().unwrap());
                let mut all = Vec::new();
                for f in ["app.db", "app.db-wal"] {
                    if let Ok(bytes) = std::fs::read(dir.join(f)) {
                        all.extend(bytes);
                    }
                }
                String::from_utf8_lossy(&all).to_string()
            }
        };
        assert!(dump.contains("138****") || dump.contains("139****"), "the dump is readable: masked copy expected");
        for secret in [id_no.as_str(), &id_number("19520101", "151"), "13987654321"] {
            assert!(!dump.contains(secret), "plaintext {secret} found in the database");
        }
    }
}
