//! The registry's and the visit's field checks, case by case.

use super::*;
use crate::care::{catalogue::SEEDS, domain::tier_name};
use entity::{care_groups, care_tiers};

fn catalogue() -> Catalogue {
    let now = chrono::Utc::now();
    Catalogue {
        groups: SEEDS
            .iter()
            .map(|g| care_groups::Model {
                code: g.code.into(),
                name: g.name.into(),
                description: String::new(),
                roll_type: g.roll_type.map(Into::into),
                checklist: serde_json::json!(g.checklist),
                enabled: true,
                sort_order: 0,
                updated_at: now,
            })
            .collect(),
        tiers: SEEDS
            .iter()
            .flat_map(|g| {
                (1..=3).map(move |t| care_tiers::Model {
                    group_code: g.code.into(),
                    tier: t,
                    name: tier_name(t).into(),
                    interval_days: 7,
                    home_visit_required: true,
                    updated_at: now,
                })
            })
            .collect(),
    }
}

fn request() -> CreatePersonRequest {
    CreatePersonRequest {
        name: "王秀英".into(),
        id_number: "11010519491231002X".into(),
        phone: Some("13812345678".into()),
        community_code: "120101001001".into(),
        grid_code: None,
        address: "福安大街 1 号".into(),
        groups: vec![MembershipInput {
            group: "孤寡老人".into(),
            tier: 1,
        }],
        worker_id: None,
        contacts: vec![],
        note: String::new(),
        last_visit_date: None,
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

#[test]
fn a_registration_names_groups_by_code_or_name() {
    let p = person(&request(), today(), &catalogue()).unwrap();
    assert_eq!(p.groups, [("elderly_alone".to_string(), 1)]);
    assert_eq!(p.id_number.masked(), "110105********002X");
}

#[test]
fn every_problem_is_reported_under_its_field() {
    let mut r = request();
    r.id_number = "110105194912310021".into();
    r.groups = vec![
        MembershipInput {
            group: "不存在".into(),
            tier: 1,
        },
        MembershipInput {
            group: "elderly_alone".into(),
            tier: 4,
        },
    ];
    r.contacts = vec![ContactInput {
        kind: ContactKind::Contact,
        name: "李".into(),
        relation: "".into(),
        phone: "123".into(),
    }];
    let errors = person(&r, today(), &catalogue()).unwrap_err();
    for key in [
        "id_number",
        "groups[0].group",
        "groups[1].tier",
        "contacts[0].relation",
        "contacts[0].phone",
    ] {
        assert!(errors.contains_key(key), "{key}: {errors:?}");
    }
}

#[test]
fn a_child_needs_a_guardian() {
    let mut r = request();
    r.id_number = "110105201501010017".into();
    let errors = person(&r, today(), &catalogue()).unwrap_err();
    assert!(errors["contacts"].contains("监护人"));
    r.contacts = vec![ContactInput {
        kind: ContactKind::Guardian,
        name: "王强".into(),
        relation: "父亲".into(),
        phone: "13900001111".into(),
    }];
    assert!(person(&r, today(), &catalogue()).is_ok());
}

#[test]
fn findings_cover_the_checklist_exactly_once() {
    use crate::care::domain::FindingLevel::Ok;
    let list = [ChecklistItem::Health, ChecklistItem::Safety];
    let mut fields = FieldErrors::new();
    let one = [FindingInput {
        item: ChecklistItem::Health,
        level: Ok,
        note: None,
    }];
    findings(&one, &list, &mut fields);
    assert!(fields["findings"].contains("安全隐患"));
    let mut fields = FieldErrors::new();
    let extra = [
        FindingInput {
            item: ChecklistItem::Health,
            level: Ok,
            note: None,
        },
        FindingInput {
            item: ChecklistItem::Safety,
            level: Ok,
            note: None,
        },
        FindingInput {
            item: ChecklistItem::Schooling,
            level: Ok,
            note: None,
        },
    ];
    let out = findings(&extra, &list, &mut fields);
    assert_eq!(out.len(), 2);
    assert!(fields.contains_key("findings[2].item"));
}
