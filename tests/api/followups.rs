//! 回访 follow-ups: created when a case ends (in the same transaction), one per case and
//! episode, retried when the resident cannot be reached, a dissatisfied result reopening the
//! case, and satisfaction figures by street.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use tests::{TestApp, application_body, both_backends, id_number};
use zhitongche::applications::sla;

use crate::hotline::{FUAN, TAIERZHUANG, application_for_call, call_body, enter};

async fn follow_ups_of(app: &TestApp, id: &str) -> Vec<entity::hotline_follow_ups::Model> {
    entity::hotline_follow_ups::Entity::find()
        .filter(
            entity::hotline_follow_ups::Column::ApplicationId
                .eq(uuid::Uuid::parse_str(id).unwrap()),
        )
        .order_by_asc(entity::hotline_follow_ups::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

/// Moves every recorded attempt of a follow-up one day back, as if it was made yesterday.
async fn a_day_passes(app: &TestApp, id: uuid::Uuid) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    let fu = entity::hotline_follow_ups::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut log = fu.attempt_log.as_array().cloned().unwrap_or_default();
    for entry in &mut log {
        let at: chrono::DateTime<Utc> = serde_json::from_value(entry["at"].clone()).unwrap();
        entry["at"] = json!(at - chrono::Duration::days(1));
    }
    let mut m = fu.into_active_model();
    m.attempt_log = Set(json!(log));
    m.update(&app.state.db).await.unwrap();
}

fn result_path(id: &uuid::Uuid) -> String {
    format!("/api/v1/hotline/follow-ups/{id}/result")
}

both_backends! {
    async fn a_case_opened_by_phone_runs_the_usual_workflow_is_followed_up_when_it_ends_and_reopens_when_dissatisfied(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120000").await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let (_, supervisor) = app.staff_token("supervisor", "120101").await;

        // The daughter calls and the operator applies on her mother's behalf.
        let res = enter(&app, &op, call_body("help", json!({"community_code": FUAN, "application": application_for_call("temporary_assistance", "024")}))).await;
        res.assert_status(201);
        let id = res.body["application"]["id"].as_str().unwrap().to_string();
        assert_eq!(res.body["application"]["channel"], "hotline");
        assert_eq!(res.body["application"]["status"], "submitted");
        assert_eq!(res.body["application"]["community"]["code"], FUAN);
        assert_eq!(res.body["application"]["applicant"]["phone"], "138****5678");
        assert_eq!(res.body["call"]["application"]["id"], id.as_str());
        assert_eq!(res.body["call"]["application"]["link"], "created");
        let stored = app.stored(&id).await;
        assert_eq!((stored.channel.as_str(), stored.resident_id), ("hotline", None));
        let first = &app.outbox_of(&id).await[0];
        assert_eq!(first.event_type, "application.submitted");
        assert_eq!(first.payload["audiences"], json!(["resident", "caseworkers"]));
        assert!(follow_ups_of(&app, &id).await.is_empty());

        // The same workflow as an online case.
        app.act(&worker, &id, "accept", json!({})).await.assert_status(200);
        app.act(&worker, &id, "start_investigation", json!({})).await.assert_status(200);
        app.act(&worker, &id, "submit_review", json!({"note": "入户核实,情况属实"})).await.assert_status(200);
        app.act(&approver, &id, "approve", json!({"amount_yuan": 800})).await.assert_status(200);
        let decided = app.stored(&id).await.decided_at.unwrap();
        let due = follow_ups_of(&app, &id).await;
        assert_eq!(due.len(), 1, "ending creates the follow-up");
        let cal = sla::calendar(&app.state.db).await.unwrap();
        assert_eq!(due[0].due_at, cal.deadline(decided, 1), "due the next working day");
        assert_eq!((due[0].status.as_str(), due[0].trigger_status.as_str()), ("open", "approved"));
        app.act(&worker, &id, "close", json!({})).await.assert_status(200);
        let after_close = follow_ups_of(&app, &id).await;
        assert_eq!(after_close.len(), 1, "at most one follow-up per case");
        assert_eq!(after_close[0].status, "open");
        let fid = after_close[0].id;

        let listed = app.get("/api/v1/hotline/follow-ups?status=due", Some(&op)).await;
        listed.assert_status(200);
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(listed.body["items"][0]["id"], fid.to_string());
        assert_eq!(listed.body["items"][0]["application"]["status"], "closed");
        assert_eq!(listed.body["items"][0]["application"]["applicant_phone"], "138****5678");
        assert_eq!(app.get("/api/v1/hotline/follow-ups?status=done", Some(&op)).await.body["items"], json!([]));
        // The operator gets the number to call; the read is logged.
        let contact = app.get(&format!("/api/v1/hotline/follow-ups/{fid}/contact"), Some(&op)).await;
        contact.assert_status(200);
        assert_eq!(contact.body["phone"], "13812345678");
        let logged = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Action.eq("hotline.follow_up_contact_read"))
            .all(&app.state.db).await.unwrap();
        assert_eq!(logged.len(), 1);

        // Not reached the first time: due again on a later working day.
        let missed = app.post(&result_path(&fid), Some(&op), &json!({"reached": false, "note": "无人接听"})).await;
        missed.assert_status(200);
        assert_eq!(missed.body["follow_up"]["status"], "due");
        assert_eq!(missed.body["follow_up"]["attempts"], 1);
        assert_eq!(follow_ups_of(&app, &id).await[0].due_at, cal.deadline(Utc::now(), 1));

        // Reached, and dissatisfied: the case is reopened for the supervisor. The note may be as
        // long as any note (1000 characters) although the reopening adds its own words.
        let long_note = format!("申请人反映救助金至今未到账{}", "。".repeat(987));
        assert_eq!(long_note.chars().count(), 1000);
        let verdict = app.post(&result_path(&fid), Some(&op), &json!({"reached": true, "satisfaction": 2, "note": long_note})).await;
        verdict.assert_status(200);
        assert_eq!(verdict.body["application_status"], "reopened");
        assert_eq!(verdict.body["follow_up"]["status"], "done");
        assert_eq!(verdict.body["follow_up"]["outcome"], "reached");
        assert_eq!(verdict.body["follow_up"]["satisfaction"], 2);
        assert_eq!(verdict.body["follow_up"]["reopened"], true);
        let reopened = app.get(&format!("/api/v1/staff/applications/{id}"), Some(&supervisor)).await;
        assert_eq!(reopened.body["status"], "reopened");
        let actions: Vec<&str> = reopened.body["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.ends_with(&["close", "follow_up", "follow_up", "follow_up_reopen"]), "{actions:?}");
        assert!(reopened.text.contains("救助金至今未到账"));
        let last = app.outbox_of(&id).await.pop().unwrap();
        assert_eq!(last.event_type, "application.follow_up_reopen");
        for audience in ["caseworkers", "street", "district"] {
            assert!(last.payload["audiences"].as_array().unwrap().contains(&json!(audience)), "{audience}");
        }
        // The reopened case continues through the same workflow.
        app.act(&worker, &id, "submit_review", json!({"note": "复核:资金已补发"})).await.assert_status(200);
        // A finished follow-up takes no more results.
        app.post(&result_path(&fid), Some(&op), &json!({"reached": true, "satisfaction": 5, "note": "再记一次"}))
            .await
            .assert_error(409, "follow_up_closed");

        // Satisfaction by street, for the district supervisor.
        let figures = app.get("/api/v1/hotline/satisfaction", Some(&supervisor)).await;
        figures.assert_status(200);
        let streets = figures.body["streets"].as_array().unwrap();
        assert_eq!(streets.len(), 1);
        assert_eq!(streets[0]["street"]["code"], "120101001");
        assert_eq!(streets[0]["street"]["name"], "劝业场街道");
        assert_eq!(streets[0]["completed"], 1);
        assert_eq!(streets[0]["dissatisfied"], 1);
        assert_eq!(streets[0]["average"], 2.0);
        assert_eq!(streets[0]["distribution"], json!([0, 1, 0, 0, 0]));
        assert_eq!(figures.body["total"]["completed"], 1);
        // Another district's supervisor sees none of it.
        let (_, hexi) = app.staff_token("supervisor", "120103").await;
        assert_eq!(app.get("/api/v1/hotline/satisfaction", Some(&hexi)).await.body["streets"], json!([]));
        app.get("/api/v1/hotline/satisfaction?from=2026-13-01", Some(&supervisor)).await.assert_error(422, "validation_failed");
        // A year chrono can parse but not subtract from is a field error, not a dropped connection.
        app.get("/api/v1/hotline/satisfaction?to=-262143-01-01", Some(&supervisor)).await.assert_error(422, "validation_failed");
    }

    async fn an_unreachable_resident_is_retried_three_times_on_later_days_and_results_are_validated(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120000").await;
        let (_, approver) = app.staff_token("approver", "120101001").await;
        let (_, resident) = app.resident_login("o_far").await;
        let res = app.apply(&resident.access, &application_body("temporary_assistance", FUAN, &id_number("19400101", "091"))).await;
        let id = res.body["id"].as_str().unwrap().to_string();
        app.act(&approver, &id, "reject", json!({"reason": "不属于临时救助范围"})).await.assert_status(200);
        let fid = follow_ups_of(&app, &id).await[0].id;
        for (body, field) in [
            (json!({"reached": true, "note": "接通"}), "satisfaction"),
            (json!({"reached": true, "satisfaction": 6, "note": "接通"}), "satisfaction"),
            (json!({"reached": false, "satisfaction": 3, "note": "无人接听"}), "satisfaction"),
            (json!({"reached": false, "note": " "}), "note"),
        ] {
            let r = app.post(&result_path(&fid), Some(&op), &body).await;
            r.assert_error(422, "validation_failed");
            assert!(r.body["error"]["fields"][field].is_string(), "{body}: {}", r.text);
        }
        let (_, supervisor) = app.staff_token("supervisor", "120101").await;
        app.post(&result_path(&fid), Some(&supervisor), &json!({"reached": false, "note": "无人接听"})).await.assert_error(403, "role_not_allowed");
        for attempt in 1..=4 {
            let r = app.post(&result_path(&fid), Some(&op), &json!({"reached": false, "note": format!("第 {attempt} 次无人接听")})).await;
            r.assert_status(200);
            assert_eq!(r.body["follow_up"]["attempts"], attempt);
            assert_eq!(r.body["follow_up"]["status"], if attempt < 4 { "due" } else { "done" });
            if attempt < 4 {
                // A second try the same day does not count; the next one is on a later day.
                app.post(&result_path(&fid), Some(&op), &json!({"reached": false, "note": "又打了一次"}))
                    .await
                    .assert_error(409, "already_tried_today");
                a_day_passes(&app, fid).await;
            }
        }
        let done = &follow_ups_of(&app, &id).await[0];
        assert_eq!((done.status.as_str(), done.outcome.as_deref(), done.satisfaction), ("done", Some("unreachable"), None));
        assert_eq!(done.attempt_log.as_array().unwrap().len(), 4);
        assert_eq!(app.stored(&id).await.status, "rejected", "an unreachable resident does not reopen the case");
        app.post(&result_path(&fid), Some(&op), &json!({"reached": false, "note": "第四次"})).await.assert_error(409, "follow_up_closed");
        app.get(&format!("/api/v1/hotline/follow-ups/{fid}/contact"), Some(&op)).await.assert_error(409, "follow_up_closed");
        let done_list = app.get("/api/v1/hotline/follow-ups?status=done", Some(&op)).await;
        assert_eq!(done_list.body["items"][0]["outcome"], "unreachable");
        app.get("/api/v1/hotline/follow-ups?status=later", Some(&op)).await.assert_error(422, "validation_failed");
        // A satisfied resident leaves the case as it is.
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        app.act(&worker, &id, "close", json!({})).await.assert_status(200);
        assert_eq!(follow_ups_of(&app, &id).await.len(), 1, "closing after the 回访 asks for no second one");
    }

    async fn follow_ups_stay_inside_the_jurisdiction_and_restart_when_a_case_is_reopened(app) {
        app.seed_demo().await;
        let (_, op) = app.staff_token("operator", "120101").await;
        let (_, resident) = app.resident_login("o_episodes").await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, supervisor) = app.staff_token("supervisor", "120101").await;
        let (_, hexi_approver) = app.staff_token("approver", "120103002").await;
        // A withdrawn online case is followed up too.
        let res = app.apply(&resident.access, &application_body("medical_assistance", FUAN, &id_number("19550101", "101"))).await;
        let id = res.body["id"].as_str().unwrap().to_string();
        app.post(&format!("/api/v1/applications/{id}/withdraw"), Some(&resident.access), &json!({"reason": "家里情况好转"})).await.assert_status(200);
        let first = follow_ups_of(&app, &id).await;
        assert_eq!((first.len(), first[0].trigger_status.as_str()), (1, "withdrawn"));
        // The supervisor reopens the case before anyone called: that follow-up is cancelled …
        app.act(&worker, &id, "close", json!({})).await.assert_status(200);
        app.act(&supervisor, &id, "reopen", json!({"note": "申请人来信申诉"})).await.assert_status(200);
        assert_eq!(follow_ups_of(&app, &id).await[0].status, "cancelled");
        // … and ending again makes a new one.
        app.act(&worker, &id, "request_supplement", json!({"items": ["诊断证明"]})).await.assert_status(200);
        let (_, approver) = app.staff_token("approver", "120101001").await;
        app.act(&approver, &id, "reject", json!({"reason": "未按期补充材料"})).await.assert_error(409, "invalid_transition");
        app.post(&format!("/api/v1/applications/{id}/withdraw"), Some(&resident.access), &json!({})).await.assert_status(200);
        let both = follow_ups_of(&app, &id).await;
        assert_eq!(both.len(), 2);
        assert_eq!((both[1].status.as_str(), both[1].episode), ("open", 1));

        // A case in 河西区: its follow-up is invisible to the 和平区 desk.
        let far = app.apply(&resident.access, &application_body("temporary_assistance", TAIERZHUANG, &id_number("19550101", "111"))).await;
        let far_id = far.body["id"].as_str().unwrap().to_string();
        app.act(&hexi_approver, &far_id, "reject", json!({"reason": "不属于临时救助范围"})).await.assert_status(200);
        let far_fid = follow_ups_of(&app, &far_id).await[0].id;
        let listed = app.get("/api/v1/hotline/follow-ups", Some(&op)).await;
        assert!(listed.text.contains(&id) && !listed.text.contains(&far_id), "{}", listed.text);
        app.post(&result_path(&far_fid), Some(&op), &json!({"reached": true, "satisfaction": 1, "note": "不满意"}))
            .await
            .assert_error(404, "follow_up_not_found");
        app.get(&format!("/api/v1/hotline/follow-ups/{far_fid}/contact"), Some(&op)).await.assert_error(404, "follow_up_not_found");
        assert_eq!(app.stored(&far_id).await.status, "rejected");
        // A city operator records it; satisfied, so nothing is reopened.
        let (_, city_op) = app.staff_token("operator", "120000").await;
        let ok = app.post(&result_path(&far_fid), Some(&city_op), &json!({"reached": true, "satisfaction": 4, "note": "满意"})).await;
        ok.assert_status(200);
        assert_eq!(ok.body["application_status"], "rejected");
        assert_eq!(ok.body["follow_up"]["reopened"], false);

        // Dissatisfied, but the person already has another open case of the type: the case
        // stays as it is and the street and district are told instead.
        let other = app.apply(&resident.access, &application_body("disaster_relief", TAIERZHUANG, &id_number("19550101", "121"))).await;
        let other_id = other.body["id"].as_str().unwrap().to_string();
        app.act(&hexi_approver, &other_id, "reject", json!({"reason": "不属于受灾人员救助范围"})).await.assert_status(200);
        let app_again = app.apply(&resident.access, &application_body("disaster_relief", TAIERZHUANG, &id_number("19550101", "121"))).await;
        app_again.assert_status(201);
        let other_fid = follow_ups_of(&app, &other_id).await[0].id;
        let unhappy = app.post(&result_path(&other_fid), Some(&city_op), &json!({"reached": true, "satisfaction": 1, "note": "很不满意"})).await;
        unhappy.assert_status(200);
        assert_eq!(unhappy.body["application_status"], "rejected");
        assert_eq!(unhappy.body["follow_up"]["reopened"], false);
        let told = app.outbox_of(&other_fid.to_string()).await;
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].event_type, "hotline.follow_up_dissatisfied");
        assert_eq!(told[0].payload["audiences"], json!(["street", "district"]));
        assert_eq!(told[0].payload["not_reopened_because"], "duplicate_application");
    }
}
