//! The registry: inside the caller's subtree only (a grid worker sees their grid), numbers
//! masked in every answer, the full ones only for the people's own workers and logged.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tests::{both_backends_with, id_number};

use super::support::{
    DISTRICT, FUAN, GRID1, GRID2, STREET, XINJIN, person, quiet_app, register, registered,
};

both_backends_with! { quiet_app;
    async fn people_are_seen_inside_the_subtree_only_and_masked(app) {
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let number = id_number("19420315", "022");
        let body = person(&number, FUAN, json!({"grid_code": GRID1}));
        let res = register(&app, &worker, &body).await;
        res.assert_status(201);
        let id = res.body["id"].as_str().unwrap().to_string();
        assert_eq!(res.body["id_number"], format!("{}********{}", &number[..6], &number[14..]));
        assert_eq!(res.body["phone"], "138****5678");
        assert_eq!(res.body["contacts"][0]["phone"], "139****1111");
        assert_eq!(res.body["grid"]["code"], GRID1);
        assert_eq!(res.body["groups"][0]["interval_days"], 7);
        assert!(!res.text.contains(&number) && !res.text.contains("13812345678") && !res.text.contains("13900001111"), "{}", res.text);
        let path = format!("/api/v1/care/people/{id}");

        // Another community, another grid: not found, not listed.
        let (_, neighbour) = app.staff_token("caseworker", XINJIN).await;
        app.get(&path, Some(&neighbour)).await.assert_error(404, "care_person_not_found");
        app.patch(&path, Some(&neighbour), &json!({"expected_version": 1, "note": "x"})).await.assert_error(404, "care_person_not_found");
        assert_eq!(app.get("/api/v1/care/people", Some(&neighbour)).await.body["items"], json!([]));
        let (_, other_grid) = app.staff_token("grid_worker", GRID2).await;
        app.get(&path, Some(&other_grid)).await.assert_error(404, "care_person_not_found");
        let (_, own_grid) = app.staff_token("grid_worker", GRID1).await;
        app.get(&path, Some(&own_grid)).await.assert_status(200);
        let listed = app.get("/api/v1/care/people", Some(&own_grid)).await;
        assert_eq!(listed.body["items"][0]["id"], id.as_str());

        // Registering where the caller does not work is refused on the field.
        let outside = register(&app, &neighbour, &person(&id_number("19500101", "031"), FUAN, json!({}))).await;
        outside.assert_error(422, "validation_failed");
        assert!(outside.body["error"]["fields"]["community_code"].is_string());
        let grid_less = register(&app, &own_grid, &person(&id_number("19500101", "031"), FUAN, json!({}))).await;
        assert!(grid_less.body["error"]["fields"]["grid_code"].is_string(), "{}", grid_less.text);

        // The street reads masked data but may not unmask it; the community's worker may, logged.
        let (_, approver) = app.staff_token("approver", STREET).await;
        app.get(&path, Some(&approver)).await.assert_status(200);
        app.get(&format!("{path}/pii?reason=核对身份"), Some(&approver)).await.assert_error(403, "pii_not_allowed");
        app.get(&format!("{path}/pii?reason=核对身份"), Some(&neighbour)).await.assert_error(404, "care_person_not_found");
        let full = app.get(&format!("{path}/pii?reason=上门核对身份"), Some(&worker)).await;
        full.assert_status(200);
        assert_eq!(full.body["id_number"], number.as_str());
        assert_eq!(full.body["contacts"][0]["phone"], "13900001111");
        assert_eq!(full.headers["cache-control"], "no-store");
        let logged = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Action.eq("care_person.pii_read"))
            .all(&app.state.db).await.unwrap();
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].target_id.as_deref(), Some(id.as_str()));

        // Stored encrypted: no clear number in the row.
        let row = entity::care_people::Entity::find().all(&app.state.db).await.unwrap().remove(0);
        assert!(!row.id_enc.contains(&number) && !row.phone_enc.clone().unwrap().contains("13812345678"));
        assert!(!row.contacts.to_string().contains("13900001111"));
    }

    async fn the_same_id_number_is_registered_once_and_named_only_inside_the_scope(app) {
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let n = id_number("19390901", "045");
        let id = registered(&app, &worker, &person(&n, FUAN, json!({}))).await;
        let again = register(&app, &worker, &person(&n, FUAN, json!({}))).await;
        again.assert_error(409, "person_already_registered");
        assert_eq!(again.body["error"]["details"]["existing_id"], id.as_str());
        let (_, neighbour) = app.staff_token("caseworker", XINJIN).await;
        let elsewhere = register(&app, &neighbour, &person(&n, XINJIN, json!({}))).await;
        elsewhere.assert_error(409, "person_already_registered");
        assert!(elsewhere.body["error"]["details"].is_null(), "{}", elsewhere.text);
    }

    async fn tier_changes_need_a_reason_and_reschedule_by_the_new_interval(app) {
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, district) = app.staff_token("supervisor", DISTRICT).await;
        let id = registered(&app, &worker, &person(&id_number("19410202", "051"), FUAN, json!({"groups": [{"group": "孤寡老人", "tier": 3}]}))).await;
        let path = format!("/api/v1/care/people/{id}");
        let before = app.get(&path, Some(&worker)).await;
        assert_eq!(before.body["schedule"]["interval_days"], 30);
        let change = json!({"expected_version": 1, "groups": [{"group": "elderly_alone", "tier": 1}], "reason": ""});
        let res = app.send(reqwest::Method::PUT, &format!("{path}/groups"), Some(&worker), Some(&change)).await;
        assert!(res.body["error"]["fields"]["reason"].is_string(), "{}", res.text);
        let change = json!({"expected_version": 1, "groups": [{"group": "elderly_alone", "tier": 1}], "reason": "独居且近期摔倒"});
        app.send(reqwest::Method::PUT, &format!("{path}/groups"), Some(&district), Some(&change)).await.assert_error(403, "role_not_allowed");
        let res = app.send(reqwest::Method::PUT, &format!("{path}/groups"), Some(&worker), Some(&change)).await;
        res.assert_status(200);
        assert_eq!(res.body["schedule"]["interval_days"], 7);
        assert!(res.body["schedule"]["due_on"].as_str() < before.body["schedule"]["due_on"].as_str());
        let tier_change = res.body["timeline"].as_array().unwrap().iter().find(|e| e["action"] == "tier_changed").unwrap().clone();
        assert_eq!(tier_change["note"], "独居且近期摔倒");
        assert_eq!(tier_change["data"]["from"], json!(["孤寡老人三级"]));
        assert_eq!(tier_change["data"]["to"], json!(["孤寡老人一级"]));
        // The version moved on: a stale edit is refused.
        let stale = app.send(reqwest::Method::PUT, &format!("{path}/groups"), Some(&worker), Some(&change)).await;
        stale.assert_error(409, "stale_version");
    }
}
