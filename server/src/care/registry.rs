//! Registering people: where they belong (community, grid, inside the caller's subtree), who
//! looks after them, their encrypted numbers and their visit schedule. Shared by the API and
//! the bulk import, so both apply one set of rules.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr};
use serde_json::json;
use uuid::Uuid;

use entity::{
    care_enums::PersonStatus, care_memberships, care_people, jurisdictions as nodes, staff,
};

use crate::{
    calendar::WorkCalendar,
    care::{
        catalogue::Catalogue,
        checks::{PersonFields, ValidContact},
        domain::{self, Requirement},
        dto::{ContactInput, ContactView},
    },
    config::CareSettings,
    db,
    error::FieldErrors,
    jurisdictions::{Level, Scope, store as juris},
    privacy::{FieldCipher, index},
    staff::{Role, store as staff_store},
};

/// Look-ups a registration needs, remembered: an import asks the same ones thousands of times.
#[derive(Default)]
pub struct Directory {
    nodes: HashMap<String, Option<nodes::Model>>,
    staff: HashMap<Uuid, Option<(staff::Model, nodes::Model)>>,
    usernames: HashMap<String, Option<Uuid>>,
}

impl Directory {
    pub async fn node(
        &mut self,
        db: &impl ConnectionTrait,
        code: &str,
    ) -> Result<Option<nodes::Model>, DbErr> {
        let key = code.trim().to_ascii_uppercase();
        if let Some(n) = self.nodes.get(&key) {
            return Ok(n.clone());
        }
        let n = juris::find_by_code(db, &key).await?;
        self.nodes.insert(key, n.clone());
        Ok(n)
    }

    pub async fn staff(
        &mut self,
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<Option<(staff::Model, nodes::Model)>, DbErr> {
        if let Some(s) = self.staff.get(&id) {
            return Ok(s.clone());
        }
        let s = staff_store::find_with_jurisdiction(db, id).await?;
        self.staff.insert(id, s.clone());
        Ok(s)
    }

    pub async fn staff_id(
        &mut self,
        db: &impl ConnectionTrait,
        username: &str,
    ) -> Result<Option<Uuid>, DbErr> {
        let key = username.trim().to_lowercase();
        if let Some(s) = self.usernames.get(&key) {
            return Ok(*s);
        }
        let s = staff_store::find_by_username(db, &key).await?.map(|s| s.id);
        self.usernames.insert(key, s);
        Ok(s)
    }
}

/// Where a person belongs: a community and optionally one of its grids.
#[derive(Debug, Clone)]
pub struct Place {
    pub community: nodes::Model,
    pub grid: Option<nodes::Model>,
}

impl Place {
    /// The grid's path when there is a grid: a grid worker sees their grid only.
    pub fn path(&self) -> &str {
        self.grid.as_ref().map_or(&self.community.path, |g| &g.path)
    }
}

fn level(n: &nodes::Model) -> Option<Level> {
    Level::parse(&n.level)
}

/// Finds the community and grid, inside `scope` (`None`: the command line, anywhere).
pub async fn place(
    db: &impl ConnectionTrait,
    dir: &mut Directory,
    scope: Option<&Scope>,
    community_code: &str,
    grid_code: Option<&str>,
    fields: &mut FieldErrors,
) -> Result<Option<Place>, DbErr> {
    let community = match dir.node(db, community_code).await? {
        Some(n) if level(&n) == Some(Level::Community) => n,
        Some(_) => {
            fields.insert(
                "community_code".into(),
                "请填写社区(村)一级的区划代码".into(),
            );
            return Ok(None);
        }
        None => {
            fields.insert("community_code".into(), "社区不存在,请核对区划代码".into());
            return Ok(None);
        }
    };
    let grid = match grid_code.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(code) => match dir.node(db, code).await? {
            Some(g) if level(&g) == Some(Level::Grid) && g.parent_id == Some(community.id) => {
                Some(g)
            }
            Some(_) => {
                fields.insert(
                    "grid_code".into(),
                    format!("该网格不属于{}", community.name),
                );
                return Ok(None);
            }
            None => {
                fields.insert("grid_code".into(), "网格不存在,请核对网格代码".into());
                return Ok(None);
            }
        },
    };
    let place = Place { community, grid };
    if let Some(scope) = scope
        && !scope.contains(place.path())
    {
        let (field, msg) = if scope.level == Level::Grid {
            ("grid_code", "网格员只能登记本网格的人员")
        } else {
            ("community_code", "该社区不在您的辖区内")
        };
        fields.insert(field.into(), msg.into());
        return Ok(None);
    }
    Ok(Some(place))
}

/// The worker must be an enabled caseworker of the community or grid worker of the grid.
pub async fn check_worker(
    db: &impl ConnectionTrait,
    dir: &mut Directory,
    worker: Uuid,
    place: &Place,
    field: &str,
    fields: &mut FieldErrors,
) -> Result<bool, DbErr> {
    let ok = match dir.staff(db, worker).await? {
        Some((s, node)) if !s.disabled => match Role::parse(&s.role) {
            Some(Role::Caseworker) => node.id == place.community.id,
            Some(Role::GridWorker) => place.grid.as_ref().is_some_and(|g| g.id == node.id),
            _ => false,
        },
        _ => false,
    };
    if !ok {
        fields.insert(
            field.into(),
            "责任人须为本社区的社区工作者或本网格的网格员".into(),
        );
    }
    Ok(ok)
}

pub fn context(field: &str, id: Uuid) -> String {
    format!("care_people.{field}:{id}")
}

pub fn contact_views(contacts: &[ValidContact]) -> Vec<ContactView> {
    contacts
        .iter()
        .map(|c| ContactView {
            kind: c.kind,
            name: c.name.clone(),
            relation: c.relation.clone(),
            phone: c.phone.masked(),
        })
        .collect()
}

/// Writes the phone (encrypted, indexed, masked) into `p`.
pub fn set_phone(
    cipher: &FieldCipher,
    p: &mut care_people::ActiveModel,
    id: Uuid,
    phone: Option<&crate::privacy::MobileNumber>,
) {
    p.phone_enc = Set(phone.map(|n| cipher.encrypt(&context("phone", id), n.as_str())));
    p.phone_bidx = Set(phone.map(|n| cipher.blind_index(index::PHONE, n.as_str())));
    p.phone_masked = Set(phone.map(|n| n.masked()));
}

pub fn set_contacts(
    cipher: &FieldCipher,
    p: &mut care_people::ActiveModel,
    id: Uuid,
    contacts: &[ValidContact],
) {
    p.contacts = Set(json!(contact_views(contacts)));
    let full: Vec<ContactInput> = contacts.iter().map(ValidContact::full).collect();
    p.contacts_enc = Set((!full.is_empty())
        .then(|| cipher.encrypt(&context("contacts", id), &json!(full).to_string())));
}

/// The full contacts of a stored person.
pub fn reveal_contacts(
    cipher: &FieldCipher,
    p: &care_people::Model,
) -> anyhow::Result<Vec<ContactInput>> {
    match &p.contacts_enc {
        None => Ok(Vec::new()),
        Some(enc) => Ok(serde_json::from_str(
            &cipher.decrypt(&context("contacts", p.id), enc)?,
        )?),
    }
}

/// What the groups demand together.
pub fn requirement(catalogue: &Catalogue, groups: &[(String, i32)]) -> Requirement {
    domain::requirement(groups.iter().filter_map(|(g, t)| catalogue.tier(g, *t))).unwrap_or(
        Requirement {
            interval_days: 30,
            home_visit: false,
        },
    )
}

/// A new due day from `base`: the alert ladder starts again.
pub fn schedule(
    p: &mut care_people::ActiveModel,
    cal: &WorkCalendar,
    settings: &CareSettings,
    base: NaiveDate,
    interval_days: i32,
) {
    let due = domain::next_due(cal, base, interval_days);
    p.visit_due_on = Set(due);
    p.visit_level = Set(0);
    p.next_alert_at = Set(domain::next_alert(cal, due, 0, settings));
}

/// Everything the registry needs to write a new person.
pub struct NewPerson<'a> {
    pub fields: &'a PersonFields,
    pub place: &'a Place,
    pub worker: Option<Uuid>,
    pub today: NaiveDate,
}

/// The rows of a new person: their id, the person and their memberships.
pub fn build(
    cipher: &FieldCipher,
    cal: &WorkCalendar,
    settings: &CareSettings,
    catalogue: &Catalogue,
    new: NewPerson<'_>,
) -> (
    Uuid,
    care_people::ActiveModel,
    Vec<care_memberships::ActiveModel>,
) {
    let id = Uuid::now_v7();
    let now = db::now();
    let f = new.fields;
    let mut p = care_people::ActiveModel {
        id: Set(id),
        name: Set(f.name.clone()),
        id_enc: Set(cipher.encrypt(&context("id_number", id), f.id_number.as_str())),
        id_bidx: Set(cipher.blind_index(index::ID_NUMBER, f.id_number.as_str())),
        id_masked: Set(f.id_number.masked()),
        birth_year: Set(chrono::Datelike::year(&f.id_number.birth_date())),
        address: Set(f.address.clone()),
        community_id: Set(new.place.community.id),
        grid_id: Set(new.place.grid.as_ref().map(|g| g.id)),
        jurisdiction_path: Set(new.place.path().to_string()),
        worker_id: Set(new.worker),
        note: Set(f.note.clone()),
        status: Set(PersonStatus::Active),
        version: Set(1),
        enrolled_on: Set(new.today),
        last_visited_at: Set(f.last_visit.map(domain::start_of_day)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_phone(cipher, &mut p, id, f.phone.as_ref());
    set_contacts(cipher, &mut p, id, &f.contacts);
    let req = requirement(catalogue, &f.groups);
    schedule(
        &mut p,
        cal,
        settings,
        f.last_visit.unwrap_or(new.today),
        req.interval_days,
    );
    let memberships = f
        .groups
        .iter()
        .map(|(g, t)| care_memberships::ActiveModel {
            person_id: Set(id),
            group_code: Set(g.clone()),
            tier: Set(*t),
            since: Set(now),
        })
        .collect();
    (id, p, memberships)
}
