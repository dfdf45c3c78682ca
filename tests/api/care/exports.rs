//! The registry leaves as a spreadsheet inside the caller's subtree (numbers masked, ages as
//! numbers), and the per-street figures count people, visits due, done and overdue.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use tests::{both_backends_with, id_number};

use super::support::{DISTRICT, FUAN, XINJIN, all_fine, person, quiet_app, registered, visit};

both_backends_with! { quiet_app;
    async fn exports_and_figures_stay_inside_the_callers_subtree(app) {
        let (_, fuan) = app.staff_token("caseworker", FUAN).await;
        let (_, xinjin) = app.staff_token("caseworker", XINJIN).await;
        let a = id_number("19400101", "131");
        let first = registered(&app, &fuan, &person(&a, FUAN, json!({}))).await;
        registered(&app, &fuan, &person(&id_number("19400102", "141"), FUAN, json!({"groups": [{"group": "low_income_marginal", "tier": 2}]}))).await;
        registered(&app, &xinjin, &person(&id_number("19400103", "151"), XINJIN, json!({}))).await;
        visit(&app, &fuan, &first, json!({"method": "home", "findings": all_fine()})).await.assert_status(201);

        let (status, headers, csv) = app.get_bytes("/api/v1/care/export?format=csv", Some(&fuan)).await;
        assert_eq!(status, 200);
        assert!(headers["content-disposition"].to_str().unwrap().contains(".csv"));
        let text = String::from_utf8(csv.clone()).unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(text.lines().count(), 3, "header and the two people of 福安: {text}");
        assert!(text.contains(&format!("{}********{}", &a[..6], &a[14..])) && !text.contains(&a));

        let (_, _, xlsx) = app.get_bytes("/api/v1/care/export?format=xlsx", Some(&xinjin)).await;
        let sheet = zhitongche::sheets::read_xlsx(&xlsx).unwrap();
        assert_eq!(sheet.len(), 2);
        assert_eq!(sheet[0].1[0], "姓名");
        let age_col = sheet[0].1.iter().position(|h| h == "年龄").unwrap();
        assert_eq!(sheet[1].1[age_col], "86", "the age is a number cell");
        let overdue = app.get("/api/v1/care/export?format=csv&visit=overdue", Some(&xinjin)).await;
        assert_eq!(overdue.text.lines().count(), 1, "nobody is overdue yet: {}", overdue.text);
        let exports = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Action.eq("care.export"))
            .count(&app.state.db).await.unwrap();
        assert_eq!(exports, 3, "every export is audited");

        let (_, district) = app.staff_token("supervisor", DISTRICT).await;
        let figures = app.get("/api/v1/care/stats", Some(&district)).await;
        figures.assert_status(200);
        let street = &figures.body["streets"][0];
        assert_eq!(street["street"]["code"], "120101001");
        assert_eq!((street["people"].as_u64(), street["visits_done"].as_u64(), street["people_visited"].as_u64()), (Some(3), Some(1), Some(1)));
        let by_group: Vec<(String, i64, u64)> = street["by_group"].as_array().unwrap().iter()
            .map(|g| (g["group"].as_str().unwrap().to_string(), g["tier"].as_i64().unwrap(), g["people"].as_u64().unwrap())).collect();
        assert_eq!(by_group, [("elderly_alone".to_string(), 1, 2), ("low_income_marginal".to_string(), 2, 1)]);
        let mine = app.get("/api/v1/care/stats", Some(&xinjin)).await;
        assert_eq!(mine.body["streets"][0]["people"], 1, "a community's worker counts their own people only");
        app.get("/api/v1/care/stats?month=2026-13", Some(&district)).await.assert_error(400, "invalid_query");
    }
}
