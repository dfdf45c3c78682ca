//! Missed visits: the assigned worker is told once (of the highest level reached), then the
//! street after its delay, then the district, through the notification pipeline.

use chrono::Duration;
use sea_orm::EntityTrait;
use serde_json::json;
use tests::{TestApp, both_backends_with, eventually, id_number};
use uuid::Uuid;
use zhitongche::care::{domain, scanner};

use super::support::{DISTRICT, FUAN, STREET, all_fine, person, quiet_app, registered, visit};

async fn inbox_titles(app: &TestApp, staff: Uuid) -> Vec<String> {
    app.inbox_of(staff)
        .await
        .into_iter()
        .map(|n| n.title)
        .collect()
}

both_backends_with! { quiet_app;
    async fn an_overdue_visit_alerts_the_worker_once_then_the_street_then_the_district(app) {
        let (worker_account, worker) = app.staff_token("caseworker", FUAN).await;
        let (approver, _) = app.staff_token("approver", STREET).await;
        let (supervisor, _) = app.staff_token("supervisor", DISTRICT).await;
        let id = registered(&app, &worker, &person(&id_number("19360808", "102"), FUAN, json!({"worker_id": worker_account.id}))).await;
        let pid = Uuid::parse_str(&id).unwrap();
        let row = entity::care_people::Entity::find_by_id(pid).one(&app.state.db).await.unwrap().unwrap();
        let cal = zhitongche::calendar::store::load(&app.state.db).await.unwrap();
        let marks = domain::marks(&cal, row.visit_due_on, &app.state.settings.care);
        assert!(marks[0] < marks[1] && marks[1] < marks[2] && marks[2] < marks[3] && marks[3] < marks[4]);

        let early = scanner::run_once(&app.state, marks[0] - Duration::minutes(1)).await.unwrap();
        assert_eq!(early.notices, 0);
        // Scanned only once the visit is overdue: three levels reached, the worker told once.
        let late = scanner::run_once(&app.state, marks[2] + Duration::minutes(1)).await.unwrap();
        assert_eq!((late.levels, late.notices), (3, 1));
        let again = scanner::run_once(&app.state, marks[2] + Duration::minutes(2)).await.unwrap();
        assert_eq!((again.levels, again.notices), (0, 0));
        eventually(15, "the worker's overdue alert", || async {
            (inbox_titles(&app, worker_account.id).await == ["走访已逾期"]).then_some(())
        }).await;
        let alert = &app.inbox_of(worker_account.id).await[0];
        assert_eq!(alert.data.as_ref().unwrap()["person_id"], id.as_str());
        assert_eq!(alert.data.as_ref().unwrap()["visit_due_on"], row.visit_due_on.to_string());
        assert!(inbox_titles(&app, approver.id).await.is_empty());

        let street = scanner::run_once(&app.state, marks[3] + Duration::minutes(1)).await.unwrap();
        assert_eq!(street.notices, 1);
        eventually(15, "the street's 催办", || async {
            (inbox_titles(&app, approver.id).await == ["催办:重点人员走访逾期"]).then_some(())
        }).await;
        assert!(inbox_titles(&app, supervisor.id).await.is_empty());
        let district = scanner::run_once(&app.state, marks[4] + Duration::minutes(1)).await.unwrap();
        assert_eq!(district.notices, 1);
        eventually(15, "the district's 督办", || async {
            (inbox_titles(&app, supervisor.id).await == ["督办:重点人员走访长期逾期"]).then_some(())
        }).await;
        assert_eq!(inbox_titles(&app, worker_account.id).await, ["走访已逾期"], "the worker is told once");
        let events: Vec<(String, serde_json::Value)> = app.outbox_of(&id).await.into_iter().map(|o| (o.event_type, o.payload["audiences"].clone())).collect();
        assert_eq!(events, [
            ("care.visit_overdue".to_string(), json!(["caseworkers"])),
            ("care.visit_urged".to_string(), json!(["street"])),
            ("care.visit_supervised".to_string(), json!(["district"])),
        ]);
        let nothing_left = scanner::run_once(&app.state, marks[4] + Duration::days(60)).await.unwrap();
        assert_eq!(nothing_left.levels, 0);

        // A visit starts the ladder again from the new due day.
        let res = visit(&app, &worker, &id, json!({"method": "home", "findings": all_fine()})).await;
        res.assert_status(201);
        assert_eq!(res.body["person"]["schedule"]["alert_level"], 0);
        assert_eq!(res.body["person"]["schedule"]["state"], "on_track");
        let listed = app.get("/api/v1/care/people?worker=me&visit=overdue", Some(&worker)).await;
        assert_eq!(listed.body["items"], json!([]));
    }
}
