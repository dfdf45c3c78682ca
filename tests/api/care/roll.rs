//! People on a roll: someone registered in the 低保 group already receives 低保, so a new
//! 低保 application for them is a duplicate — named to staff who may see the record only.

use serde_json::json;
use tests::{application_body, both_backends_with, id_number};

use super::support::{FUAN, STREET, person, quiet_app, registered};

both_backends_with! { quiet_app;
    async fn a_person_on_the_roll_blocks_a_duplicate_dibao_application(app) {
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let n = id_number("19550909", "112");
        let id = registered(&app, &worker, &person(&n, FUAN, json!({"groups": [{"group": "minimum_living", "tier": 2}]}))).await;

        // Online: refused, and the resident learns no more than that.
        let (_, resident) = app.resident_login("o_on_roll").await;
        let online = app.apply(&resident.access, &application_body("minimum_living_allowance", FUAN, &n)).await;
        online.assert_error(409, "already_on_roll");
        assert!(online.body["error"]["details"].is_null(), "{}", online.text);

        // By phone, an operator of the street is told which record it is.
        let (_, operator) = app.staff_token("operator", STREET).await;
        let call = json!({
            "caller_phone": "13900002222", "caller_name": "王强", "category": "help",
            "summary": "儿子来电为母亲申请低保", "community_code": FUAN,
            "application": application_body("minimum_living_allowance", FUAN, &n),
        });
        let by_phone = app.post("/api/v1/hotline/calls", Some(&operator), &call).await;
        by_phone.assert_error(409, "already_on_roll");
        assert_eq!(by_phone.body["error"]["details"]["existing_person_id"], id.as_str());

        // Another type is not on that roll.
        app.apply(&resident.access, &application_body("temporary_assistance", FUAN, &n)).await.assert_status(201);

        // Off the roll (archived), the person may apply again.
        let archive = json!({"expected_version": 1, "status": "archived", "reason": "已迁出本市"});
        app.send(reqwest::Method::PUT, &format!("/api/v1/care/people/{id}/status"), Some(&worker), Some(&archive)).await.assert_status(200);
        app.apply(&resident.access, &application_body("minimum_living_allowance", FUAN, &n)).await.assert_status(201);
    }
}
