//! The registry: people, their group memberships, and who is on an assistance type's roll.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use entity::{care_enums::PersonStatus, care_groups, care_memberships, care_people};

use crate::{db, jurisdictions::Scope};

pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<care_people::Model>, DbErr> {
    care_people::Entity::find_by_id(id).one(db).await
}

/// A person inside `scope`; anyone outside is simply not found.
pub async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<care_people::Model>, DbErr> {
    care_people::Entity::find_by_id(id)
        .filter(scope.filter(care_people::Column::JurisdictionPath))
        .one(db)
        .await
}

pub async fn find_by_bidx(
    db: &impl ConnectionTrait,
    id_bidx: &str,
) -> Result<Option<care_people::Model>, DbErr> {
    care_people::Entity::find()
        .filter(care_people::Column::IdBidx.eq(id_bidx))
        .one(db)
        .await
}

/// The people with these ID-number indexes (an import batch), by index.
pub async fn find_by_bidxs(
    db: &impl ConnectionTrait,
    bidxs: &[String],
) -> Result<HashMap<String, care_people::Model>, DbErr> {
    if bidxs.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(care_people::Entity::find()
        .filter(care_people::Column::IdBidx.is_in(bidxs.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id_bidx.clone(), p))
        .collect())
}

/// The memberships of these people, by person.
pub async fn memberships_of(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> Result<HashMap<Uuid, Vec<care_memberships::Model>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<care_memberships::Model>> = HashMap::new();
    if people.is_empty() {
        return Ok(out);
    }
    for chunk in people.chunks(500) {
        for m in care_memberships::Entity::find()
            .filter(care_memberships::Column::PersonId.is_in(chunk.iter().copied()))
            .order_by_asc(care_memberships::Column::GroupCode)
            .all(db)
            .await?
        {
            out.entry(m.person_id).or_default().push(m);
        }
    }
    Ok(out)
}

/// New people with their memberships, in as few statements as the batch allows.
pub async fn insert_people(
    db: &impl ConnectionTrait,
    people: Vec<care_people::ActiveModel>,
    memberships: Vec<care_memberships::ActiveModel>,
) -> Result<(), DbErr> {
    // Bound parameters per statement stay well under PostgreSQL's and SQLite's limits.
    let mut people = people.into_iter().peekable();
    while people.peek().is_some() {
        let chunk: Vec<_> = people.by_ref().take(500).collect();
        care_people::Entity::insert_many(chunk).exec(db).await?;
    }
    let mut memberships = memberships.into_iter().peekable();
    while memberships.peek().is_some() {
        let chunk: Vec<_> = memberships.by_ref().take(2000).collect();
        care_memberships::Entity::insert_many(chunk)
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Applies `changes` only if the person is still at `version`, bumping it; `false` means
/// someone else changed the record first.
pub async fn update_versioned(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    mut changes: care_people::ActiveModel,
) -> Result<bool, DbErr> {
    changes.version = Set(version + 1);
    changes.updated_at = Set(db::now());
    let res = care_people::Entity::update_many()
        .set(changes)
        .filter(care_people::Column::Id.eq(id))
        .filter(care_people::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Replaces a person's memberships with `groups` (code, tier).
pub async fn replace_memberships(
    db: &impl ConnectionTrait,
    person: Uuid,
    groups: &[(String, i32)],
) -> Result<(), DbErr> {
    care_memberships::Entity::delete_many()
        .filter(care_memberships::Column::PersonId.eq(person))
        .exec(db)
        .await?;
    if groups.is_empty() {
        return Ok(());
    }
    let now = db::now();
    care_memberships::Entity::insert_many(groups.iter().map(|(g, t)| {
        care_memberships::ActiveModel {
            person_id: Set(person),
            group_code: Set(g.clone()),
            tier: Set(*t),
            since: Set(now),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

pub async fn insert_person(
    db: &impl ConnectionTrait,
    person: care_people::ActiveModel,
) -> Result<care_people::Model, DbErr> {
    person.insert(db).await
}

/// Who the list is for.
#[derive(Debug, Clone, Copy)]
pub enum WorkerFilter {
    Staff(Uuid),
    Unassigned,
}

/// A registry query inside a scope. `due_ranges` are alternatives (`visit=due,overdue`).
#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    pub subtree: Option<String>,
    pub status: Option<PersonStatus>,
    pub group: Option<String>,
    pub tier: Option<i32>,
    pub due_ranges: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
    pub worker: Option<WorkerFilter>,
    pub id_bidx: Option<String>,
    pub phone_bidx: Option<String>,
    pub name_fragment: Option<String>,
    /// Keyset: the (due day, id) of the last row of the previous page.
    pub after: Option<(NaiveDate, Uuid)>,
    pub limit: u64,
}

fn condition(scope: &Scope, f: &PeopleFilter) -> Condition {
    use care_people::Column as C;
    let mut c = Condition::all().add(scope.filter(C::JurisdictionPath));
    if let Some(path) = &f.subtree {
        c = c.add(C::JurisdictionPath.starts_with(path));
    }
    if let Some(status) = f.status {
        c = c.add(C::Status.eq(status));
    }
    if f.group.is_some() || f.tier.is_some() {
        let mut sub = Query::select();
        sub.column(care_memberships::Column::PersonId)
            .from(care_memberships::Entity);
        if let Some(g) = &f.group {
            sub.and_where(care_memberships::Column::GroupCode.eq(g.as_str()));
        }
        if let Some(t) = f.tier {
            sub.and_where(care_memberships::Column::Tier.eq(t));
        }
        c = c.add(C::Id.in_subquery(sub.to_owned()));
    }
    if !f.due_ranges.is_empty() {
        let mut any = Condition::any();
        for (from, to) in &f.due_ranges {
            let mut range = Condition::all();
            if let Some(from) = from {
                range = range.add(C::VisitDueOn.gte(*from));
            }
            if let Some(to) = to {
                range = range.add(C::VisitDueOn.lte(*to));
            }
            any = any.add(range);
        }
        c = c.add(any);
    }
    match f.worker {
        Some(WorkerFilter::Staff(id)) => c = c.add(C::WorkerId.eq(id)),
        Some(WorkerFilter::Unassigned) => c = c.add(C::WorkerId.is_null()),
        None => {}
    }
    if let Some(b) = &f.id_bidx {
        c = c.add(C::IdBidx.eq(b.as_str()));
    }
    if let Some(b) = &f.phone_bidx {
        c = c.add(C::PhoneBidx.eq(b.as_str()));
    }
    if let Some(t) = &f.name_fragment {
        c = c.add(db::contains_text((care_people::Entity, C::Name), t));
    }
    c
}

/// People inside `scope`, the soonest due first, one page after `f.after`.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    f: &PeopleFilter,
) -> Result<Vec<care_people::Model>, DbErr> {
    use care_people::Column as C;
    let mut q = care_people::Entity::find().filter(condition(scope, f));
    if let Some((due, id)) = f.after {
        q = q.filter(
            Condition::any().add(C::VisitDueOn.gt(due)).add(
                Condition::all()
                    .add(C::VisitDueOn.eq(due))
                    .add(C::Id.gt(id)),
            ),
        );
    }
    q.order_by_asc(C::VisitDueOn)
        .order_by_asc(C::Id)
        .limit(f.limit)
        .all(db)
        .await
}

/// Active people with this ID number in a group that is the roll of `assistance_type`: they
/// already receive it. Returns the person's id and place.
pub async fn on_roll(
    db: &impl ConnectionTrait,
    id_bidx: &str,
    assistance_type: &str,
) -> Result<Option<(Uuid, String)>, DbErr> {
    let Some(person) = care_people::Entity::find()
        .filter(care_people::Column::IdBidx.eq(id_bidx))
        .filter(care_people::Column::Status.eq(PersonStatus::Active))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let rolls: Vec<String> = care_groups::Entity::find()
        .filter(care_groups::Column::RollType.eq(assistance_type))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.code)
        .collect();
    if rolls.is_empty() {
        return Ok(None);
    }
    let member = care_memberships::Entity::find()
        .filter(care_memberships::Column::PersonId.eq(person.id))
        .filter(care_memberships::Column::GroupCode.is_in(rolls))
        .one(db)
        .await?;
    Ok(member.map(|_| (person.id, person.jurisdiction_path)))
}

/// Everyone in `scope` (optionally narrowed), for exports and figures; at most `limit`.
pub async fn all_in(
    db: &impl ConnectionTrait,
    scope: &Scope,
    f: &PeopleFilter,
    limit: u64,
) -> Result<Vec<care_people::Model>, DbErr> {
    care_people::Entity::find()
        .filter(condition(scope, f))
        .order_by_asc(care_people::Column::JurisdictionPath)
        .order_by_asc(care_people::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Moves a person's alert level on, only if nobody moved it (or the due day) meanwhile.
pub async fn set_alert(
    db: &impl ConnectionTrait,
    person: &care_people::Model,
    level: i32,
    next_alert_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<bool, DbErr> {
    use care_people::Column as C;
    let res = care_people::Entity::update_many()
        .col_expr(C::VisitLevel, Expr::value(level))
        .col_expr(C::NextAlertAt, Expr::value(next_alert_at))
        .filter(C::Id.eq(person.id))
        .filter(C::VisitLevel.eq(person.visit_level))
        .filter(C::VisitDueOn.eq(person.visit_due_on))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Active people whose next alert is due at `now`, oldest first.
pub async fn due_alerts(
    db: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    limit: u64,
) -> Result<Vec<care_people::Model>, DbErr> {
    use care_people::Column as C;
    care_people::Entity::find()
        .filter(C::Status.eq(PersonStatus::Active))
        .filter(C::NextAlertAt.lte(now))
        .order_by_asc(C::NextAlertAt)
        .limit(limit)
        .all(db)
        .await
}
