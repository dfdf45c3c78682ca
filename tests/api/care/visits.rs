//! Visits: a counted visit sets the next due day by the tier's interval in calendar days, moved
//! off a holiday; a phone call does not count where a home visit is required; a finding opens
//! an application on the person's behalf or a help task for the community.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use serde_json::json;
use tests::{TestApp, both_backends_with, eventually, id_number};

use super::support::{FUAN, GRID1, all_fine, person, quiet_app, registered, visit};

fn china_today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

async fn calendar(app: &TestApp) -> zhitongche::calendar::WorkCalendar {
    zhitongche::calendar::store::load(&app.state.db)
        .await
        .unwrap()
}

/// Makes `day` a public holiday through the city's calendar API.
async fn declare_holiday(app: &TestApp, city: &str, day: NaiveDate) {
    let path = format!("/api/v1/admin/calendar/{}", day.year());
    let mut days = app.get(&path, Some(city)).await.body["days"]
        .as_array()
        .unwrap()
        .clone();
    days.retain(|d| d["date"] != day.to_string());
    days.push(json!({"date": day.to_string(), "kind": "holiday", "name": "测试假日"}));
    app.send(
        reqwest::Method::PUT,
        &path,
        Some(city),
        Some(&json!({ "days": days })),
    )
    .await
    .assert_status(200);
}

fn at_noon(day: NaiveDate) -> String {
    format!("{day}T12:00:00+08:00")
}

both_backends_with! { quiet_app;
    async fn a_visit_moves_the_next_due_day_by_the_tiers_interval_and_off_a_holiday(app) {
        let (_, city) = app.staff_token("admin", "120000").await;
        let (worker_account, worker) = app.staff_token("grid_worker", GRID1).await;
        let today = china_today();
        // A visit some days ago whose weekly due day is a Tuesday–Friday, made a holiday.
        let k = (1..8).find(|k| matches!((today - Duration::days(*k) + Duration::days(7)).weekday(), Weekday::Tue | Weekday::Wed | Weekday::Thu | Weekday::Fri)).unwrap();
        let visited = today - Duration::days(k);
        let holiday = visited + Duration::days(7);
        declare_holiday(&app, &city, holiday).await;
        let cal = calendar(&app).await;
        assert!(!cal.is_working_day(holiday));

        let a = registered(&app, &worker, &person(&id_number("19380404", "062"), FUAN, json!({"grid_code": GRID1, "worker_id": worker_account.id}))).await;
        let res = visit(&app, &worker, &a, json!({"visited_at": at_noon(visited), "method": "home", "findings": all_fine(), "note": "精神尚好"})).await;
        res.assert_status(201);
        let expected = (1..10).map(|i| holiday + Duration::days(i)).find(|d| cal.is_working_day(*d)).unwrap();
        assert_eq!(res.body["visit"]["next_due_on"], expected.to_string());
        assert_eq!(res.body["person"]["schedule"]["due_on"], expected.to_string());
        assert_eq!(res.body["visit"]["counts"], true);

        // A phone call is recorded but does not keep a home-visit schedule.
        let call = visit(&app, &worker, &a, json!({"method": "phone", "findings": all_fine()})).await;
        call.assert_status(201);
        assert_eq!(call.body["visit"]["counts"], false);
        assert_eq!(call.body["person"]["schedule"]["due_on"], expected.to_string());

        // A weekly visit on an ordinary week is due seven calendar days later.
        let b = registered(&app, &worker, &person(&id_number("19380505", "072"), FUAN, json!({"grid_code": GRID1}))).await;
        let day = (1..12).map(|j| today - Duration::days(j)).find(|d| *d + Duration::days(7) != holiday && cal.is_working_day(*d + Duration::days(7))).unwrap();
        let res = visit(&app, &worker, &b, json!({"visited_at": at_noon(day), "method": "home", "findings": all_fine()})).await;
        res.assert_status(201);
        assert_eq!(res.body["visit"]["next_due_on"], (day + Duration::days(7)).to_string());

        // The checklist must be answered whole; the future is refused.
        let partial = visit(&app, &worker, &b, json!({"method": "home", "findings": [{"item": "health", "level": "ok"}]})).await;
        partial.assert_error(422, "validation_failed");
        assert!(partial.body["error"]["fields"]["findings"].as_str().unwrap().contains("安全隐患"));
        let future = visit(&app, &worker, &b, json!({"visited_at": (Utc::now() + Duration::days(1)).to_rfc3339(), "method": "home", "findings": all_fine()})).await;
        assert!(future.body["error"]["fields"]["visited_at"].is_string());
        let history = app.get(&format!("/api/v1/care/people/{a}/visits"), Some(&worker)).await;
        assert_eq!(history.body["items"].as_array().unwrap().len(), 2);
    }

    async fn a_visit_finding_opens_an_application_on_the_persons_behalf(app) {
        let (_, worker) = app.staff_token("caseworker", FUAN).await;
        let n = id_number("19400606", "082");
        let id = registered(&app, &worker, &person(&n, FUAN, json!({}))).await;
        let finding = json!({"assistance_type": "temporary_assistance", "description": "老人摔伤住院,医药费无力承担", "urgent": false, "consent": false});
        let body = |app_input: serde_json::Value| json!({"method": "home", "findings": all_fine(), "follow_up": "application", "application": app_input});
        let refused = visit(&app, &worker, &id, body(finding.clone())).await;
        refused.assert_error(422, "validation_failed");
        assert!(refused.body["error"]["fields"]["application.consent"].is_string());

        let mut agreed = finding.clone();
        agreed["consent"] = json!(true);
        let res = visit(&app, &worker, &id, body(agreed.clone())).await;
        res.assert_status(201);
        let app_id = res.body["application"]["id"].as_str().unwrap().to_string();
        assert_eq!(res.body["application"]["channel"], "outreach");
        assert_eq!(res.body["visit"]["follow_up"], "application");
        assert_eq!(res.body["visit"]["application_id"], app_id.as_str());

        // The case went through intake like any other: submitted, routed, masked, clocked.
        let case = app.get(&format!("/api/v1/staff/applications/{app_id}"), Some(&worker)).await;
        case.assert_status(200);
        assert_eq!(case.body["status"], "submitted");
        assert_eq!(case.body["channel"], "outreach");
        assert_eq!(case.body["community"]["code"], FUAN);
        assert_eq!(case.body["applicant"]["id_number"], format!("{}********{}", &n[..6], &n[14..]));
        let actions: Vec<&str> = case.body["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["submit", "outreach_visit"]);
        assert!(app.stored(&app_id).await.deadline_at.is_some());
        let detail = app.get(&format!("/api/v1/care/people/{id}"), Some(&worker)).await;
        assert_eq!(detail.body["cases"][0]["id"], app_id.as_str());
        assert!(detail.body["timeline"].as_array().unwrap().iter().any(|e| e["action"] == "application_opened"));

        // The same rules as every channel: a second open case of the type is refused, and the
        // refused visit leaves nothing behind.
        let twice = visit(&app, &worker, &id, body(agreed)).await;
        twice.assert_error(409, "duplicate_application");
        let history = app.get(&format!("/api/v1/care/people/{id}/visits"), Some(&worker)).await;
        assert_eq!(history.body["items"].as_array().unwrap().len(), 1);
    }

    async fn a_help_task_reaches_the_community_and_is_closed_there(app) {
        let (_, worker) = app.staff_token("grid_worker", GRID1).await;
        let (colleague_account, colleague) = app.staff_token("caseworker", FUAN).await;
        let id = registered(&app, &colleague, &person(&id_number("19370707", "092"), FUAN, json!({"grid_code": GRID1}))).await;
        let inconsistent = visit(&app, &worker, &id, json!({"method": "home", "findings": all_fine(), "follow_up": "none", "task_note": "x"})).await;
        assert!(inconsistent.body["error"]["fields"]["follow_up"].is_string(), "{}", inconsistent.text);
        let res = visit(&app, &worker, &id, json!({"method": "home", "findings": all_fine(), "follow_up": "help_task", "task_note": "冬季取暖费有困难,请社区协调"})).await;
        res.assert_status(201);
        let task = res.body["visit"]["task_id"].as_str().unwrap().to_string();
        let open = app.get("/api/v1/care/tasks", Some(&colleague)).await;
        assert_eq!(open.body["items"][0]["id"], task.as_str());
        let inbox = eventually(15, "the help task in the community's inbox", || async {
            let rows = app.inbox_of(colleague_account.id).await;
            (!rows.is_empty()).then_some(rows)
        }).await;
        assert_eq!(inbox[0].event_type, "care.help_task");
        assert_eq!(inbox[0].title, "走访发现:新的帮扶任务");
        assert_eq!(inbox[0].data.as_ref().unwrap()["person_id"], id.as_str());
        let done = app.post(&format!("/api/v1/care/tasks/{task}/done"), Some(&colleague), &json!({"note": "已协调街道临时救助"})).await;
        done.assert_status(200);
        assert_eq!(done.body["status"], "done");
        app.post(&format!("/api/v1/care/tasks/{task}/done"), Some(&colleague), &json!({"note": "再次"})).await.assert_error(409, "task_not_open");
    }
}
