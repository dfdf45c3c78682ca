//! Time limits: the escalation ladder fires once per level, only one instance scans at a time,
//! and the holiday calendar is data staff can read and the city can replace.

use chrono::Duration;
use serde_json::json;
use tests::{Backend, TestApp, application_body, both_backends, id_number, scan_deadlines};
use zhitongche::applications::sla;

const FUAN: &str = "120101001001";

both_backends! {
    async fn an_overdue_case_escalates_once_per_level(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_late").await;
        let res = app.apply(&resident.access, &application_body("minimum_living_allowance", FUAN, &id_number("19580808", "401"))).await;
        let id = res.body["id"].as_str().unwrap().to_string();
        let case = app.stored(&id).await;
        let (at_risk, deadline, supervise) = (case.at_risk_at.unwrap(), case.deadline_at.unwrap(), case.supervise_at.unwrap());
        assert!(at_risk < deadline && deadline < supervise);

        let before = scan_deadlines(&app.state, at_risk - Duration::minutes(1)).await;
        assert_eq!((before.at_risk, before.urged, before.supervised), (0, 0, 0));
        let first = scan_deadlines(&app.state, at_risk + Duration::minutes(1)).await;
        assert_eq!(first.at_risk, 1);
        assert_eq!(scan_deadlines(&app.state, at_risk + Duration::minutes(2)).await.at_risk, 0, "reminded once");
        assert_eq!(app.stored(&id).await.sla_state, "at_risk");

        let second = scan_deadlines(&app.state, deadline + Duration::minutes(1)).await;
        assert_eq!((second.at_risk, second.urged), (0, 1));
        assert_eq!(app.stored(&id).await.sla_state, "breached");
        let third = scan_deadlines(&app.state, supervise + Duration::minutes(1)).await;
        assert_eq!(third.supervised, 1);
        let again = scan_deadlines(&app.state, supervise + Duration::days(30)).await;
        assert_eq!((again.at_risk, again.urged, again.supervised), (0, 0, 0));

        let escalations: Vec<String> = app.outbox_of(&id).await.into_iter().map(|o| o.event_type).filter(|t| t != "application.submitted").collect();
        assert_eq!(escalations, ["application.sla_at_risk", "application.urged", "application.supervised"]);
        let outbox = app.outbox_of(&id).await;
        assert_eq!(outbox[2].payload["audiences"], json!(["street"]));
        assert_eq!(outbox[3].payload["audiences"], json!(["district"]));
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let detail = app.get(&format!("/api/v1/staff/applications/{id}"), Some(&worker)).await;
        assert_eq!(detail.body["sla"]["escalation_level"], 3);
        let internal: Vec<&str> = detail.body["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(internal, ["submit", "sla_at_risk", "urged", "supervised"]);
        // Escalations are for staff: the resident's timeline does not show them.
        let public = app.get(&format!("/api/v1/applications/{id}/timeline"), Some(&resident.access)).await;
        assert_eq!(public.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(app.get("/api/v1/staff/applications?sla=breached", Some(&worker)).await.body["items"].as_array().unwrap().len(), 1);

        // Acting on the case starts a new stage with a fresh clock.
        let accepted = app.act(&worker, &id, "accept", json!({})).await;
        assert_eq!(accepted.body["sla"]["state"], "on_track");
        assert_eq!(accepted.body["sla"]["escalation_level"], 0);
    }

    async fn a_stage_that_carries_the_clock_on_keeps_its_escalations(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_carry").await;
        let res = app.apply(&resident.access, &application_body("minimum_living_allowance", FUAN, &id_number("19570707", "421"))).await;
        let id = res.body["id"].as_str().unwrap().to_string();
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        app.act(&worker, &id, "accept", json!({})).await.assert_status(200);
        let accepted = app.stored(&id).await;
        let report = scan_deadlines(&app.state, accepted.deadline_at.unwrap() + Duration::minutes(1)).await;
        assert_eq!((report.at_risk, report.urged), (1, 1));

        // Investigation continues the acceptance clock: same deadline, same level, no second 催办.
        let investigating = app.act(&worker, &id, "start_investigation", json!({})).await;
        investigating.assert_status(200);
        assert_eq!(investigating.body["sla"]["state"], "breached");
        assert_eq!(investigating.body["sla"]["escalation_level"], 2);
        assert_eq!(app.stored(&id).await.deadline_at, accepted.deadline_at);
        let later = scan_deadlines(&app.state, accepted.deadline_at.unwrap() + Duration::minutes(2)).await;
        assert_eq!((later.at_risk, later.urged, later.supervised), (0, 0, 0));

        // Waiting for a supplement pauses the clock but does not hide the breach.
        app.act(&worker, &id, "request_supplement", json!({"items": ["收入证明"]})).await.assert_status(200);
        let waiting = app.get("/api/v1/staff/applications?sla=breached", Some(&worker)).await;
        assert!(waiting.text.contains(&id), "{}", waiting.text);
        let kinds: Vec<String> = app.outbox_of(&id).await.into_iter().map(|o| o.event_type)
            .filter(|t| t.starts_with("application.sla") || t == "application.urged").collect();
        assert_eq!(kinds, ["application.sla_at_risk", "application.urged"]);
    }

    async fn a_paused_case_does_not_escalate(app) {
        app.seed_demo().await;
        let (_, resident) = app.resident_login("o_paused").await;
        let res = app.apply(&resident.access, &application_body("minimum_living_allowance", FUAN, &id_number("19590909", "411"))).await;
        let id = res.body["id"].as_str().unwrap().to_string();
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        app.act(&worker, &id, "request_supplement", json!({"items": ["身份证复印件"]})).await.assert_status(200);
        let case = app.stored(&id).await;
        let report = scan_deadlines(&app.state, case.supervise_at.unwrap() + Duration::days(10)).await;
        assert_eq!((report.at_risk, report.urged, report.supervised), (0, 0, 0));
    }

    async fn the_calendar_is_readable_by_staff_and_replaced_by_the_city(app) {
        app.seed_demo().await;
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let (_, district) = app.staff_token("admin", "120101").await;
        let (_, city) = app.staff_token("admin", "120000").await;
        let y2026 = app.get("/api/v1/admin/calendar/2026", Some(&worker)).await;
        y2026.assert_status(200);
        let days = y2026.body["days"].as_array().unwrap();
        assert!(days.iter().any(|d| d["date"] == "2026-02-14" && d["kind"] == "workday"));
        assert!(days.iter().any(|d| d["date"] == "2026-10-07" && d["kind"] == "holiday"));
        assert!(!app.get("/api/v1/admin/calendar/2027", Some(&worker)).await.body["days"].as_array().unwrap().is_empty());

        let new_2027 = json!({"days": [
            {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
            {"date": "2027-02-20", "kind": "workday", "name": "春节调休上班"}
        ]});
        app.send(reqwest::Method::PUT, "/api/v1/admin/calendar/2027", Some(&district), Some(&new_2027)).await.assert_error(403, "city_admin_only");
        let bad = json!({"days": [{"date": "2027-03-03", "kind": "workday", "name": "周三调休?"}, {"date": "2026-01-01", "kind": "holiday", "name": "x"}]});
        let res = app.send(reqwest::Method::PUT, "/api/v1/admin/calendar/2027", Some(&city), Some(&bad)).await;
        res.assert_error(422, "validation_failed");
        assert!(res.body["error"]["fields"]["days[0].kind"].is_string());
        assert!(res.body["error"]["fields"]["days[1].date"].is_string());
        app.send(reqwest::Method::PUT, "/api/v1/admin/calendar/2027", Some(&city), Some(&new_2027)).await.assert_status(200);
        let cal = sla::calendar(&app.state.db).await.unwrap();
        let saturday = chrono::NaiveDate::from_ymd_opt(2027, 2, 20).unwrap();
        assert!(cal.is_working_day(saturday));
        assert!(cal.is_working_day(chrono::NaiveDate::from_ymd_opt(2027, 2, 5).unwrap()), "replaced year drops old entries");
        // A restart does not bring the seeded days back over the city's edit.
        zhitongche::calendar::store::seed_defaults(&app.state.db).await.unwrap();
        let after = app.get("/api/v1/admin/calendar/2027", Some(&worker)).await;
        assert_eq!(after.body["days"].as_array().unwrap().len(), 2, "{}", after.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_never_escalate_the_same_case_twice() {
    let app = TestApp::builder(Backend::Postgres).spawn().await;
    let second = app.another_instance().await;
    app.seed_demo().await;
    let (_, resident) = app.resident_login("o_two").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let res = app
            .apply(
                &resident.access,
                &application_body(
                    "temporary_assistance",
                    FUAN,
                    &id_number("19610101", &format!("5{i}1")),
                ),
            )
            .await;
        ids.push(res.body["id"].as_str().unwrap().to_string());
    }
    let late = chrono::Utc::now() + Duration::days(60);
    // While another instance holds the scanner lock, this one skips its pass.
    {
        use sea_orm::{ConnectionTrait, TransactionTrait};
        let other = second.state.db.begin().await.unwrap();
        other
            .execute_unprepared("SELECT pg_advisory_xact_lock(7291170002)")
            .await
            .unwrap();
        let skipped = sla::run_once(&app.state, late).await.unwrap();
        assert!(skipped.skipped);
        assert_eq!((skipped.at_risk, skipped.urged), (0, 0));
        other.rollback().await.unwrap();
    }
    let (a, b) = tokio::join!(
        sla::run_once(&app.state, late),
        sla::run_once(&second.state, late)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.at_risk + b.at_risk, 6);
    assert_eq!(a.urged + b.urged, 6);
    assert_eq!(a.supervised + b.supervised, 6);
    for id in &ids {
        let escalations = app
            .outbox_of(id)
            .await
            .into_iter()
            .filter(|o| o.event_type != "application.submitted")
            .count();
        assert_eq!(escalations, 3, "{id}");
    }
}
