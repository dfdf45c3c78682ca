//! Importing the people a community looks after (低保/特困 rolls, key groups): each row is
//! checked by the registry's own rules, matched by ID number (blind index) and created,
//! updated or left as it is. Blank optional cells leave what is stored.

use sea_orm::{ActiveValue::Set, DatabaseTransaction, DbErr};
use serde_json::json;
use uuid::Uuid;

use entity::{
    care_enums::{CareAction, PersonStatus},
    care_events, care_memberships, care_people,
};

use crate::{
    calendar::domain::local_date,
    care::{
        checks::{self, PersonFields},
        domain::start_of_day,
        dto::ContactInput,
        registry::{self, NewPerson, Place},
        store::{self, Actor},
    },
    error::FieldErrors,
    imports::{
        batch::{self, Ctx, Planned, Problems, Tally, finish_batch},
        care_rows::{problems, request},
        columns::Record,
    },
    privacy::index,
};

enum Plan {
    Create {
        person: care_people::ActiveModel,
        memberships: Vec<care_memberships::ActiveModel>,
        event: care_events::ActiveModel,
    },
    Update {
        id: Uuid,
        version: i32,
        changes: care_people::ActiveModel,
        groups: Option<Vec<(String, i32)>>,
        event: care_events::ActiveModel,
    },
}

struct Checked {
    row: u32,
    fields: PersonFields,
    place: Place,
    worker: Option<Uuid>,
    bidx: String,
}

async fn check(ctx: &mut Ctx<'_>, r: &Record) -> Result<Result<Checked, Problems>, DbErr> {
    let req = match request(r) {
        Ok(req) => req,
        Err(p) => return Ok(Err(p)),
    };
    let mut fields = FieldErrors::new();
    let person = checks::person(&req, ctx.today, &ctx.catalogue)
        .map_err(|e| fields.extend(e))
        .ok();
    let db = &ctx.state.db;
    let place = registry::place(
        db,
        &mut ctx.dir,
        ctx.scope.as_ref(),
        &req.community_code,
        req.grid_code.as_deref(),
        &mut fields,
    )
    .await?;
    let mut worker = None;
    if let Some(username) = r.opt("worker") {
        match ctx.dir.staff_id(db, username).await? {
            None => {
                fields.insert(
                    "worker_id".into(),
                    format!("没有用户名为“{username}”的工作人员"),
                );
            }
            Some(id) => {
                if let Some(place) = &place
                    && registry::check_worker(db, &mut ctx.dir, id, place, "worker_id", &mut fields)
                        .await?
                {
                    worker = Some(id);
                }
            }
        }
    }
    let (Some(person), Some(place)) = (person, place) else {
        return Ok(Err(problems(fields)));
    };
    if !fields.is_empty() {
        return Ok(Err(problems(fields)));
    }
    let bidx = ctx
        .state
        .cipher
        .blind_index(index::ID_NUMBER, person.id_number.as_str());
    if let Some(first) = ctx.first_seen(format!("id:{bidx}"), r.row) {
        return Ok(Err(vec![(
            "id_number",
            format!("与第 {first} 行的身份证号重复"),
        )]));
    }
    Ok(Ok(Checked {
        row: r.row,
        fields: person,
        place,
        worker,
        bidx,
    }))
}

fn actor(ctx: &Ctx<'_>) -> Actor {
    Actor {
        kind: if ctx.actor.is_some() {
            "staff"
        } else {
            "system"
        },
        id: ctx.actor,
        label: "批量导入".into(),
    }
}

/// The changes a row makes to a stored person, if any.
fn diff(
    ctx: &Ctx<'_>,
    c: &Checked,
    p: &care_people::Model,
    groups_now: &[(String, i32)],
) -> Result<Option<Plan>, DbErr> {
    let cipher = &ctx.state.cipher;
    let f = &c.fields;
    let mut ch = care_people::ActiveModel::default();
    let mut changed: Vec<&str> = Vec::new();
    if p.name != f.name {
        ch.name = Set(f.name.clone());
        changed.push("name");
    }
    if let Some(phone) = &f.phone
        && p.phone_bidx.as_deref() != Some(&cipher.blind_index(index::PHONE, phone.as_str()))
    {
        registry::set_phone(cipher, &mut ch, p.id, Some(phone));
        changed.push("phone");
    }
    if !f.address.is_empty() && p.address != f.address {
        ch.address = Set(f.address.clone());
        changed.push("address");
    }
    if !f.note.is_empty() && p.note != f.note {
        ch.note = Set(f.note.clone());
        changed.push("note");
    }
    let grid = c.place.grid.as_ref().map(|g| g.id);
    if p.community_id != c.place.community.id || (grid.is_some() && p.grid_id != grid) {
        ch.community_id = Set(c.place.community.id);
        ch.grid_id = Set(grid);
        ch.jurisdiction_path = Set(c.place.path().to_string());
        changed.push("place");
    }
    if c.worker.is_some() && p.worker_id != c.worker {
        ch.worker_id = Set(c.worker);
        changed.push("worker");
    }
    if !f.contacts.is_empty() {
        let stored = registry::reveal_contacts(cipher, p)
            .map_err(|e| DbErr::Custom(format!("contacts of {}: {e}", p.id)))?;
        let new: Vec<ContactInput> = f.contacts.iter().map(|c| c.full()).collect();
        if stored != new {
            registry::set_contacts(cipher, &mut ch, p.id, &f.contacts);
            changed.push("contacts");
        }
    }
    let groups_changed = groups_now != f.groups.as_slice();
    let last = p.last_visited_at.map(local_date);
    let later_visit = f.last_visit.filter(|d| last.is_none_or(|l| *d > l));
    let reactivate = p.status == PersonStatus::Archived;
    if groups_changed || later_visit.is_some() || reactivate {
        if let Some(d) = later_visit {
            ch.last_visited_at = Set(Some(start_of_day(d)));
        }
        if reactivate {
            ch.status = Set(PersonStatus::Active);
        }
        let base = later_visit.or(last).unwrap_or(p.enrolled_on);
        let interval = registry::requirement(&ctx.catalogue, &f.groups).interval_days;
        registry::schedule(
            &mut ch,
            &ctx.cal,
            &ctx.state.settings.care,
            if reactivate {
                base.max(ctx.today)
            } else {
                base
            },
            interval,
        );
        changed.extend(
            groups_changed
                .then_some("groups")
                .into_iter()
                .chain(later_visit.map(|_| "last_visit"))
                .chain(reactivate.then_some("status")),
        );
    }
    if changed.is_empty() {
        return Ok(None);
    }
    let action = if groups_changed {
        CareAction::TierChanged
    } else {
        CareAction::Updated
    };
    let note = groups_changed.then(|| "批量导入更新分组".to_string());
    let event = store::event(
        p.id,
        &actor(ctx),
        action,
        note,
        Some(json!({ "import_id": ctx.job, "changed": changed })),
    );
    Ok(Some(Plan::Update {
        id: p.id,
        version: p.version,
        changes: ch,
        groups: groups_changed.then(|| f.groups.clone()),
        event,
    }))
}

impl batch::Plan for Plan {
    fn creates(&self) -> bool {
        matches!(self, Plan::Create { .. })
    }

    async fn write_all(
        _: &Ctx<'_>,
        txn: &DatabaseTransaction,
        plans: &[&Self],
    ) -> Result<(), DbErr> {
        let mut people = Vec::new();
        let mut ms = Vec::new();
        let mut events = Vec::new();
        for plan in plans {
            match plan {
                Plan::Create {
                    person,
                    memberships,
                    event,
                } => {
                    people.push(person.clone());
                    ms.extend(memberships.iter().cloned());
                    events.push(event.clone());
                }
                update => write_one(txn, update).await?,
            }
        }
        store::insert_people(txn, people, ms).await?;
        store::record_all(txn, events).await
    }

    async fn write_one(&self, _: &Ctx<'_>, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        write_one(txn, self).await
    }
}

async fn write_one(txn: &DatabaseTransaction, plan: &Plan) -> Result<(), DbErr> {
    match plan {
        Plan::Create {
            person,
            memberships,
            event,
        } => {
            store::insert_people(txn, vec![person.clone()], memberships.clone()).await?;
            store::record(txn, event.clone()).await
        }
        Plan::Update {
            id,
            version,
            changes,
            groups,
            event,
        } => {
            if !store::update_versioned(txn, *id, *version, changes.clone()).await? {
                return Err(DbErr::Custom("the person changed meanwhile".into()));
            }
            if let Some(g) = groups {
                store::replace_memberships(txn, *id, g).await?;
            }
            store::record(txn, event.clone()).await
        }
    }
}

pub async fn batch(ctx: &mut Ctx<'_>, rows: &[Record]) -> Result<Tally, DbErr> {
    let mut planned: Vec<Planned<Plan>> = Vec::with_capacity(rows.len());
    let mut valid = Vec::new();
    for r in rows {
        match check(ctx, r).await? {
            Ok(c) => valid.push(c),
            Err(p) => planned.push((r.row, Err(p))),
        }
    }
    let bidxs: Vec<String> = valid.iter().map(|c| c.bidx.clone()).collect();
    let existing = store::find_by_bidxs(&ctx.state.db, &bidxs).await?;
    let ids: Vec<Uuid> = existing.values().map(|p| p.id).collect();
    let memberships = store::memberships_of(&ctx.state.db, &ids).await?;
    for c in valid {
        match existing.get(&c.bidx) {
            Some(p) if !ctx.allows(&p.jurisdiction_path) => {
                planned.push((
                    c.row,
                    Err(vec![(
                        "id_number",
                        "该身份证号的人员已在其他辖区登记,请联系其所在辖区".into(),
                    )]),
                ));
            }
            Some(p) => {
                let now: Vec<(String, i32)> = memberships
                    .get(&p.id)
                    .map(|ms| ms.iter().map(|m| (m.group_code.clone(), m.tier)).collect())
                    .unwrap_or_default();
                planned.push((c.row, Ok(diff(ctx, &c, p, &now)?)));
            }
            None => {
                let (id, person, ms) = registry::build(
                    &ctx.state.cipher,
                    &ctx.cal,
                    &ctx.state.settings.care,
                    &ctx.catalogue,
                    NewPerson {
                        fields: &c.fields,
                        place: &c.place,
                        worker: c.worker,
                        today: ctx.today,
                    },
                );
                let event = store::event(
                    id,
                    &actor(ctx),
                    CareAction::Imported,
                    None,
                    Some(json!({ "import_id": ctx.job })),
                );
                planned.push((
                    c.row,
                    Ok(Some(Plan::Create {
                        person,
                        memberships: ms,
                        event,
                    })),
                ));
            }
        }
    }
    finish_batch(ctx, planned).await
}
