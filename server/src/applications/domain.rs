//! Parsing an application's fields: every failure is collected with a Chinese message under
//! its field path, so the resident fixes everything in one go.

use chrono::NaiveDate;

use entity::assistance_types;

use crate::{
    applications::dto::{ApplicationInput, GuardianInput, HouseholdMemberInput},
    assistance::{domain::RequiredField, dto::required_fields},
    error::FieldErrors,
    money::yuan_to_fen,
    privacy::{IdCardNumber, MobileNumber},
    text::{clean_text, parse_person_name},
};

pub const GUARDIAN_AGE: u32 = 14;
pub const MAX_HOUSEHOLD: usize = 20;

#[derive(Debug, Clone)]
pub struct ValidGuardian {
    pub name: String,
    pub id_number: IdCardNumber,
    pub relation: String,
    pub phone: Option<MobileNumber>,
}

#[derive(Debug, Clone)]
pub struct ValidMember {
    pub name: String,
    pub relation: String,
    pub id_number: Option<IdCardNumber>,
    pub age: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Validated {
    pub applicant_name: String,
    pub id_number: IdCardNumber,
    pub phone: MobileNumber,
    pub guardian: Option<ValidGuardian>,
    pub address: String,
    pub household: Vec<ValidMember>,
    pub monthly_income_fen: Option<i64>,
    pub description: String,
    pub urgent: bool,
}

fn member(
    i: usize,
    m: &HouseholdMemberInput,
    today: NaiveDate,
    fields: &mut FieldErrors,
) -> Option<ValidMember> {
    let prefix = format!("household[{i}]");
    let name = parse_person_name(&m.name)
        .map_err(|e| fields.insert(format!("{prefix}.name"), e))
        .ok();
    let relation = match clean_text(&m.relation, 16, false) {
        Ok(r) if !r.is_empty() => Some(r),
        Ok(_) => {
            fields.insert(format!("{prefix}.relation"), "请填写与申请人的关系".into());
            None
        }
        Err(e) => {
            fields.insert(format!("{prefix}.relation"), e);
            None
        }
    };
    let id_number = match m
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => match IdCardNumber::parse(id, today) {
            Ok(v) => Some(Some(v)),
            Err(e) => {
                fields.insert(format!("{prefix}.id_number"), e);
                None
            }
        },
        None => Some(None),
    };
    if let Some(age) = m.age
        && age > 150
    {
        fields.insert(format!("{prefix}.age"), "年龄不合理".into());
    }
    Some(ValidMember {
        name: name?,
        relation: relation?,
        id_number: id_number?,
        age: m.age,
    })
}

/// Household members; problems go into `fields` under `household[i].…`.
pub fn validate_household(
    members: &[HouseholdMemberInput],
    today: NaiveDate,
    fields: &mut FieldErrors,
) -> Vec<ValidMember> {
    if members.len() > MAX_HOUSEHOLD {
        fields.insert(
            "household".into(),
            format!("家庭成员最多 {MAX_HOUSEHOLD} 人"),
        );
    }
    members
        .iter()
        .take(MAX_HOUSEHOLD)
        .enumerate()
        .filter_map(|(i, m)| member(i, m, today, fields))
        .collect()
}

fn guardian(
    g: &GuardianInput,
    today: NaiveDate,
    fields: &mut FieldErrors,
) -> Option<ValidGuardian> {
    let name = parse_person_name(&g.name)
        .map_err(|e| fields.insert("guardian.name".into(), e))
        .ok();
    let id_number = match IdCardNumber::parse(&g.id_number, today) {
        Ok(id) if id.age_on(today) >= 18 => Some(id),
        Ok(_) => {
            fields.insert("guardian.id_number".into(), "监护人须年满 18 周岁".into());
            None
        }
        Err(e) => {
            fields.insert("guardian.id_number".into(), e);
            None
        }
    };
    let relation = match clean_text(&g.relation, 16, false) {
        Ok(r) if !r.is_empty() => Some(r),
        _ => {
            fields.insert(
                "guardian.relation".into(),
                "请填写监护人与申请人的关系".into(),
            );
            None
        }
    };
    let phone = match g.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => match MobileNumber::parse(p) {
            Ok(p) => Some(Some(p)),
            Err(e) => {
                fields.insert("guardian.phone".into(), e);
                None
            }
        },
        None => Some(None),
    };
    Some(ValidGuardian {
        name: name?,
        id_number: id_number?,
        relation: relation?,
        phone: phone?,
    })
}

/// Validates `input`. `complete` enforces the fields the assistance type requires (a draft may
/// leave them for later); formats are always checked.
pub fn validate(
    input: &ApplicationInput,
    kind: Option<&assistance_types::Model>,
    today: NaiveDate,
    complete: bool,
) -> Result<Validated, FieldErrors> {
    let mut fields = FieldErrors::new();
    if kind.is_none() {
        fields.insert("assistance_type".into(), "请选择有效的救助类型".into());
    }
    let name = parse_person_name(&input.applicant.name)
        .map_err(|e| fields.insert("applicant.name".into(), e))
        .ok();
    let id_number = IdCardNumber::parse(&input.applicant.id_number, today)
        .map_err(|e| fields.insert("applicant.id_number".into(), e))
        .ok();
    let phone = MobileNumber::parse(&input.applicant.phone)
        .map_err(|e| fields.insert("applicant.phone".into(), e))
        .ok();
    let minor = id_number
        .as_ref()
        .is_some_and(|id| id.age_on(today) < GUARDIAN_AGE);
    let guardian = match (&input.guardian, minor) {
        (Some(g), _) => guardian(g, today, &mut fields),
        (None, true) => {
            fields.insert(
                "guardian".into(),
                "申请人未满 14 周岁,须由监护人代为申请,请填写监护人信息".into(),
            );
            None
        }
        (None, false) => None,
    };
    let address = clean_text(&input.address, 200, false)
        .map_err(|e| fields.insert("address".into(), e))
        .unwrap_or_default();
    let description = clean_text(&input.description, 2000, true)
        .map_err(|e| fields.insert("description".into(), e))
        .unwrap_or_default();
    let household = validate_household(&input.household, today, &mut fields);
    let monthly_income_fen = match input.monthly_income_yuan {
        Some(y) => yuan_to_fen(y)
            .map_err(|e| fields.insert("monthly_income_yuan".into(), e))
            .ok(),
        None => None,
    };

    if complete && let Some(kind) = kind {
        for field in required_fields(kind) {
            let missing = match field {
                RequiredField::Address => address.is_empty(),
                RequiredField::Household => input.household.is_empty(),
                RequiredField::MonthlyIncomeYuan => input.monthly_income_yuan.is_none(),
                RequiredField::Description => description.chars().count() < 5,
            };
            if missing && !fields.contains_key(field.as_str()) {
                let msg = match field {
                    RequiredField::Description => {
                        format!("{}需要填写{}(至少 5 个字)", kind.name, field.label())
                    }
                    _ => format!("{}需要填写{}", kind.name, field.label()),
                };
                fields.insert(field.as_str().into(), msg);
            }
        }
    }

    match (name, id_number, phone, fields.is_empty()) {
        (Some(applicant_name), Some(id_number), Some(phone), true) => Ok(Validated {
            applicant_name,
            id_number,
            phone,
            guardian,
            address,
            household,
            monthly_income_fen,
            description,
            urgent: input.urgent,
        }),
        _ => Err(fields),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applications::dto::ApplicantInput;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    fn dibao() -> assistance_types::Model {
        assistance_types::Model {
            code: "minimum_living_allowance".into(),
            name: "最低生活保障".into(),
            description: String::new(),
            required_fields: serde_json::json!([
                "address",
                "household",
                "monthly_income_yuan",
                "description"
            ]),
            urgent_response_hours: 2,
            response_working_days: 1,
            investigation_working_days: 15,
            review_working_days: 5,
            public_notice_days: 7,
            total_working_days: 30,
            emergency_allowed: false,
            emergency_backfill_working_days: 5,
            enabled: true,
            sort_order: 0,
            updated_at: chrono::Utc::now(),
        }
    }

    fn input(id: &str) -> ApplicationInput {
        ApplicationInput {
            assistance_type: "minimum_living_allowance".into(),
            scene: None,
            community_code: Some("120101001001".into()),
            applicant: ApplicantInput {
                name: "张三".into(),
                id_number: id.into(),
                phone: "13812345678".into(),
            },
            guardian: None,
            address: "和平区福安大街 1 号".into(),
            household: vec![HouseholdMemberInput {
                name: "李四".into(),
                relation: "配偶".into(),
                id_number: None,
                age: Some(70),
            }],
            monthly_income_yuan: Some(850.5),
            description: "老两口无固定收入,医药费负担重".into(),
            urgent: false,
            draft: false,
        }
    }

    #[test]
    fn a_complete_application_parses() {
        let v = validate(&input("11010519491231002X"), Some(&dibao()), today(), true).unwrap();
        assert_eq!(v.monthly_income_fen, Some(85050));
        assert_eq!(v.id_number.masked(), "110105********002X");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut bad = input("11010519491231002Y");
        bad.applicant.phone = "12345".into();
        bad.address = String::new();
        bad.household = vec![];
        bad.monthly_income_yuan = Some(-1.0);
        bad.description = "难".into();
        let fields = validate(&bad, Some(&dibao()), today(), true).unwrap_err();
        for f in [
            "applicant.id_number",
            "applicant.phone",
            "address",
            "household",
            "monthly_income_yuan",
            "description",
        ] {
            assert!(fields.contains_key(f), "{f} missing: {fields:?}");
        }
        // A draft does not need the type's fields yet, but formats still count.
        let fields = validate(&bad, Some(&dibao()), today(), false).unwrap_err();
        assert!(fields.contains_key("applicant.phone"));
        assert!(!fields.contains_key("household"));
    }

    #[test]
    fn a_child_applicant_needs_an_adult_guardian() {
        // Born 2015-06-01: eleven years old.
        let child = crate::privacy::id_number::check_char("11010520150601001").unwrap();
        let id = format!("11010520150601001{child}");
        let fields = validate(&input(&id), Some(&dibao()), today(), true).unwrap_err();
        assert!(fields.contains_key("guardian"));
        let mut with_guardian = input(&id);
        with_guardian.guardian = Some(GuardianInput {
            name: "张大山".into(),
            id_number: "11010519491231002X".into(),
            relation: "祖父".into(),
            phone: None,
        });
        let v = validate(&with_guardian, Some(&dibao()), today(), true).unwrap();
        assert_eq!(v.guardian.unwrap().relation, "祖父");
    }
}
