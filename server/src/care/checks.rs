//! Parsing what people type into the registry and into a visit, shared by the API and the
//! import: every problem is collected under its field path with a message a worker can act on.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use crate::{
    care::{
        catalogue::Catalogue,
        domain::{ChecklistItem, ContactKind, GUARDIAN_AGE, MAX_TIER},
        dto::{ContactInput, CreatePersonRequest, FindingInput, FindingView, MembershipInput},
    },
    error::FieldErrors,
    privacy::{IdCardNumber, MobileNumber},
    text::{clean_text, parse_person_name, required_text},
};

pub const MAX_GROUPS: usize = 10;
pub const MAX_CONTACTS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidContact {
    pub kind: ContactKind,
    pub name: String,
    pub relation: String,
    pub phone: MobileNumber,
}

impl ValidContact {
    /// The full form, as stored encrypted and shown by `/pii`.
    pub fn full(&self) -> ContactInput {
        ContactInput {
            kind: self.kind,
            name: self.name.clone(),
            relation: self.relation.clone(),
            phone: self.phone.as_str().into(),
        }
    }
}

/// A registration that passed every check.
#[derive(Debug, Clone)]
pub struct PersonFields {
    pub name: String,
    pub id_number: IdCardNumber,
    pub phone: Option<MobileNumber>,
    pub address: String,
    /// (group code, tier), sorted by code.
    pub groups: Vec<(String, i32)>,
    pub contacts: Vec<ValidContact>,
    pub note: String,
    pub last_visit: Option<NaiveDate>,
}

fn put(fields: &mut FieldErrors, key: impl Into<String>, msg: impl Into<String>) {
    fields.entry(key.into()).or_insert_with(|| msg.into());
}

pub fn optional_phone(
    v: Option<&str>,
    field: &str,
    fields: &mut FieldErrors,
) -> Option<Option<MobileNumber>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(p) => match MobileNumber::parse(p) {
            Ok(p) => Some(Some(p)),
            Err(e) => {
                put(fields, field, e);
                None
            }
        },
    }
}

pub fn address(v: &str, fields: &mut FieldErrors) -> Option<String> {
    clean_text(v, 200, false)
        .map_err(|e| put(fields, "address", format!("居住地址{e}")))
        .ok()
}

pub fn note(v: &str, field: &str, fields: &mut FieldErrors) -> Option<String> {
    clean_text(v, 500, true)
        .map_err(|e| put(fields, field, format!("备注{e}")))
        .ok()
}

/// Groups and tiers: at least one, each an enabled group of the catalogue with an existing
/// tier, none twice.
pub fn groups(
    input: &[MembershipInput],
    catalogue: &Catalogue,
    fields: &mut FieldErrors,
) -> Option<Vec<(String, i32)>> {
    if input.is_empty() {
        put(fields, "groups", "请至少选择一个重点人群分组");
        return None;
    }
    if input.len() > MAX_GROUPS {
        put(fields, "groups", format!("分组最多 {MAX_GROUPS} 个"));
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, m) in input.iter().enumerate() {
        let Some(group) = catalogue.group(&m.group).filter(|g| g.enabled) else {
            put(
                fields,
                format!("groups[{i}].group"),
                format!("没有名为“{}”的重点人群分组", m.group.trim()),
            );
            ok = false;
            continue;
        };
        if !(1..=MAX_TIER).contains(&m.tier) || catalogue.tier(&group.code, m.tier).is_none() {
            put(
                fields,
                format!("groups[{i}].tier"),
                format!("{}的等级应为 1–{MAX_TIER}(一级为最高风险)", group.name),
            );
            ok = false;
            continue;
        }
        if out.iter().any(|(g, _)| *g == group.code) {
            put(
                fields,
                format!("groups[{i}].group"),
                format!("分组“{}”重复", group.name),
            );
            ok = false;
            continue;
        }
        out.push((group.code.clone(), m.tier));
    }
    out.sort();
    ok.then_some(out)
}

pub fn contacts(input: &[ContactInput], fields: &mut FieldErrors) -> Option<Vec<ValidContact>> {
    if input.len() > MAX_CONTACTS {
        put(fields, "contacts", format!("联系人最多 {MAX_CONTACTS} 位"));
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, c) in input.iter().enumerate() {
        let prefix = format!("contacts[{i}]");
        let name = parse_person_name(&c.name)
            .map_err(|e| put(fields, format!("{prefix}.name"), e))
            .ok();
        let relation = required_text(Some(&c.relation), 1, 16, "请填写与本人的关系")
            .map_err(|e| put(fields, format!("{prefix}.relation"), e))
            .ok();
        let phone = MobileNumber::parse(&c.phone)
            .map_err(|e| put(fields, format!("{prefix}.phone"), e))
            .ok();
        match (name, relation, phone) {
            (Some(name), Some(relation), Some(phone)) => out.push(ValidContact {
                kind: c.kind,
                name,
                relation,
                phone,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// A whole registration, checked against the catalogue on `today`.
pub fn person(
    input: &CreatePersonRequest,
    today: NaiveDate,
    catalogue: &Catalogue,
) -> Result<PersonFields, FieldErrors> {
    let mut fields = FieldErrors::new();
    let name = parse_person_name(&input.name)
        .map_err(|e| put(&mut fields, "name", e))
        .ok();
    let id_number = IdCardNumber::parse(&input.id_number, today)
        .map_err(|e| put(&mut fields, "id_number", e))
        .ok();
    let phone = optional_phone(input.phone.as_deref(), "phone", &mut fields);
    let address = address(&input.address, &mut fields);
    let groups = groups(&input.groups, catalogue, &mut fields);
    let contacts = contacts(&input.contacts, &mut fields);
    let note = note(&input.note, "note", &mut fields);
    if let (Some(id), Some(contacts)) = (&id_number, &contacts)
        && id.age_on(today) < GUARDIAN_AGE
        && !contacts.iter().any(|c| c.kind == ContactKind::Guardian)
    {
        put(
            &mut fields,
            "contacts",
            "未满 14 周岁的人员须登记监护人(kind 为 guardian)",
        );
    }
    if let Some(d) = input.last_visit_date
        && (d > today || d.year() < 2000)
    {
        put(&mut fields, "last_visit_date", "上次走访日期不能晚于今天");
    }
    match (name, id_number, phone, address, groups, contacts, note) {
        (
            Some(name),
            Some(id_number),
            Some(phone),
            Some(address),
            Some(groups),
            Some(contacts),
            Some(note),
        ) if fields.is_empty() => Ok(PersonFields {
            name,
            id_number,
            phone,
            address,
            groups,
            contacts,
            note,
            last_visit: input.last_visit_date,
        }),
        _ => Err(fields),
    }
}

/// A reason a worker must give (tier change, archiving): 2–200 characters.
pub fn reason(v: &str, field: &str) -> Result<String, FieldErrors> {
    required_text(Some(v), 2, 200, "请说明原因").map_err(|e| {
        let mut f = FieldErrors::new();
        f.insert(field.into(), e);
        f
    })
}

/// A visit's findings: one answer per item of `checklist`, nothing else, nothing twice.
pub fn findings(
    input: &[FindingInput],
    checklist: &[ChecklistItem],
    fields: &mut FieldErrors,
) -> Vec<FindingView> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, f) in input.iter().enumerate() {
        if !checklist.contains(&f.item) {
            put(
                fields,
                format!("findings[{i}].item"),
                format!("“{}”不在该人员的走访清单中", f.item.label()),
            );
            continue;
        }
        if !seen.insert(f.item) {
            put(
                fields,
                format!("findings[{i}].item"),
                format!("“{}”填写了两次", f.item.label()),
            );
            continue;
        }
        let note = match f.note.as_deref().map(|n| clean_text(n, 200, true)) {
            Some(Ok(n)) if !n.is_empty() => Some(n),
            Some(Err(e)) => {
                put(fields, format!("findings[{i}].note"), e);
                None
            }
            _ => None,
        };
        out.push(FindingView {
            item: f.item,
            level: f.level,
            note,
        });
    }
    let missing: Vec<&str> = checklist
        .iter()
        .filter(|c| !seen.contains(c))
        .map(|c| c.label())
        .collect();
    if !missing.is_empty() {
        put(
            fields,
            "findings",
            format!("请填写走访清单的每一项,还缺:{}", missing.join("、")),
        );
    }
    out
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
