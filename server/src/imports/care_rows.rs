//! A care-people row read as the API's registration request: the registry's field paths as
//! the file's columns, groups written `分组:等级`, dates as Excel users type them.

use chrono::NaiveDate;

use crate::{
    care::{
        domain::ContactKind,
        dto::{ContactInput, CreatePersonRequest, MembershipInput},
    },
    error::FieldErrors,
    imports::{batch::Problems, columns::Record},
};

/// The registry's field paths as the file's columns.
pub fn column(field: &str) -> &'static str {
    match field.split(['[', '.']).next().unwrap_or(field) {
        "name" => "name",
        "id_number" => "id_number",
        "phone" => "phone",
        "community_code" => "community_code",
        "grid_code" => "grid_code",
        "address" => "address",
        "groups" => "groups",
        "worker_id" => "worker",
        "note" => "note",
        "last_visit_date" => "last_visit_date",
        "contacts" if field.ends_with("name") => "contact_name",
        "contacts" if field.ends_with("relation") => "contact_relation",
        "contacts" if field.ends_with("phone") => "contact_phone",
        "contacts" => "contact_kind",
        _ => "",
    }
}

pub fn problems(fields: FieldErrors) -> Problems {
    fields.into_iter().map(|(k, v)| (column(&k), v)).collect()
}

/// `孤寡老人:一级;低保对象:2` → memberships.
pub fn parse_groups(text: &str) -> Result<Vec<MembershipInput>, String> {
    let mut out = Vec::new();
    for part in text
        .split([';', '；', ',', '，', '、', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (group, tier) = part
            .split_once([':', '：'])
            .ok_or_else(|| format!("“{part}”缺少等级,应写成 分组:等级,如 孤寡老人:一级"))?;
        let tier = match tier.trim() {
            "1" | "一级" | "一" => 1,
            "2" | "二级" | "二" => 2,
            "3" | "三级" | "三" => 3,
            other => {
                return Err(format!(
                    "“{other}”不是有效的等级,应为 一级、二级、三级 或 1–3"
                ));
            }
        };
        out.push(MembershipInput {
            group: group.trim().to_string(),
            tier,
        });
    }
    Ok(out)
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text.trim(), f).ok())
}

/// A row as the API's registration request, or what is wrong with its cells' form.
pub fn request(r: &Record) -> Result<CreatePersonRequest, Problems> {
    let mut p = Problems::new();
    if r.inexact("id_number") {
        p.push((
            "id_number",
            "身份证号被 Excel 存成了数字,末几位已丢失;请把该列设为文本格式后重新填写".into(),
        ));
    }
    let groups = parse_groups(r.get("groups")).unwrap_or_else(|e| {
        p.push(("groups", e));
        Vec::new()
    });
    let kind = match r.get("contact_kind") {
        "" | "联系人" | "contact" => ContactKind::Contact,
        "监护人" | "guardian" => ContactKind::Guardian,
        other => {
            p.push(("contact_kind", format!("“{other}”应为 监护人 或 联系人")));
            ContactKind::Contact
        }
    };
    let has_contact = ["contact_name", "contact_relation", "contact_phone"]
        .iter()
        .any(|k| r.opt(k).is_some());
    let last_visit_date = match r.opt("last_visit_date") {
        None => None,
        Some(t) => match parse_date(t) {
            Some(d) => Some(d),
            None => {
                p.push(("last_visit_date", "日期格式应为 YYYY-MM-DD".into()));
                None
            }
        },
    };
    if !p.is_empty() {
        return Err(p);
    }
    Ok(CreatePersonRequest {
        name: r.get("name").into(),
        id_number: r.get("id_number").into(),
        phone: r.opt("phone").map(Into::into),
        community_code: r.get("community_code").into(),
        grid_code: r.opt("grid_code").map(Into::into),
        address: r.get("address").into(),
        groups,
        worker_id: None,
        contacts: if has_contact {
            vec![ContactInput {
                kind,
                name: r.get("contact_name").into(),
                relation: r.get("contact_relation").into(),
                phone: r.get("contact_phone").into(),
            }]
        } else {
            Vec::new()
        },
        note: r.get("note").into(),
        last_visit_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read_as_a_person_writes_them() {
        let g = parse_groups("孤寡老人:一级;低保对象：2， 留守儿童:三级").unwrap();
        let pairs: Vec<(&str, i32)> = g.iter().map(|m| (m.group.as_str(), m.tier)).collect();
        assert_eq!(pairs, [("孤寡老人", 1), ("低保对象", 2), ("留守儿童", 3)]);
        assert!(parse_groups("孤寡老人").unwrap_err().contains("缺少等级"));
        assert!(parse_groups("孤寡老人:四级").is_err());
        assert_eq!(
            parse_date("2026/11/3"),
            NaiveDate::from_ymd_opt(2026, 11, 3)
        );
    }
}
