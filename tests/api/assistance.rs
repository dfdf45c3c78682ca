//! The assistance catalogue: seeded, public, editable by city-level admins only.

use serde_json::json;
use tests::both_backends;

both_backends! {
    async fn the_catalogue_is_seeded_and_public(app) {
        let res = app.get("/api/v1/assistance-types", None).await;
        res.assert_status(200);
        let items = res.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 12);
        let dibao = items.iter().find(|t| t["code"] == "minimum_living_allowance").unwrap();
        assert_eq!(dibao["name"], "最低生活保障");
        assert_eq!(dibao["time_limits"]["public_notice_days"], 7);
        assert_eq!(dibao["time_limits"]["total_working_days"], 30);
        assert!(dibao["required_fields"].as_array().unwrap().contains(&json!("monthly_income_yuan")));
        let temp = items.iter().find(|t| t["code"] == "temporary_assistance").unwrap();
        assert_eq!(temp["emergency_allowed"], true);
        assert_eq!(temp["time_limits"]["public_notice_days"], 0);
        for child in ["orphan", "de_facto_orphan", "children_in_difficulty", "left_behind_children"] {
            assert!(items.iter().any(|t| t["code"] == child), "{child}");
        }
    }

    async fn a_city_admin_edits_limits_and_disables_types(app) {
        app.seed_demo().await;
        let (_, city) = app.staff_token("admin", "120000").await;
        let res = app
            .patch("/api/v1/admin/assistance-types/minimum_living_allowance", Some(&city), &json!({
                "time_limits": {"urgent_response_hours": 1, "response_working_days": 1, "investigation_working_days": 10,
                                "review_working_days": 3, "public_notice_days": 7, "total_working_days": 20,
                                "emergency_backfill_working_days": 5}
            }))
            .await;
        res.assert_status(200);
        assert_eq!(res.body["time_limits"]["total_working_days"], 20);
        app.patch("/api/v1/admin/assistance-types/left_behind_children", Some(&city), &json!({"enabled": false}))
            .await
            .assert_status(200);
        let public = app.get("/api/v1/assistance-types", None).await;
        assert_eq!(public.body["items"].as_array().unwrap().len(), 11);
        assert!(!public.text.contains("left_behind_children"));
        let admin_view = app.get("/api/v1/admin/assistance-types", Some(&city)).await;
        assert_eq!(admin_view.body["items"].as_array().unwrap().len(), 12);
    }

    async fn only_city_admins_edit_and_limits_stay_sane(app) {
        app.seed_demo().await;
        let (_, district) = app.staff_token("admin", "120101").await;
        let (_, city) = app.staff_token("admin", "120000").await;
        app.patch("/api/v1/admin/assistance-types/orphan", Some(&district), &json!({"enabled": false}))
            .await
            .assert_error(403, "city_admin_only");
        let bad = app
            .patch("/api/v1/admin/assistance-types/orphan", Some(&city), &json!({
                "time_limits": {"urgent_response_hours": 0, "response_working_days": 1, "investigation_working_days": 10,
                                "review_working_days": 3, "public_notice_days": 99, "total_working_days": 20,
                                "emergency_backfill_working_days": 5}
            }))
            .await;
        bad.assert_error(422, "validation_failed");
        assert!(bad.body["error"]["fields"]["time_limits.public_notice_days"].is_string());
        app.patch("/api/v1/admin/assistance-types/no_such", Some(&city), &json!({"enabled": false}))
            .await
            .assert_error(404, "assistance_type_not_found");
    }
}
