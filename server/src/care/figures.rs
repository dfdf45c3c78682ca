//! Visit and registry figures per street for a month: people by group and tier, visits done,
//! visits falling due, and who is overdue today.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use uuid::Uuid;

use crate::{
    auth::Staff,
    care::{
        domain::start_of_day,
        dto_admin::{GroupTierCount, StreetFigures},
        store,
    },
    error::AppResult,
    jurisdictions::{JurisdictionNode, domain::ancestor_paths, store as juris},
    state::AppState,
};

/// The street's path of a node's path (city → district → street → …).
fn street_of(path: &str) -> Option<String> {
    ancestor_paths(path).get(2).cloned()
}

#[derive(Default)]
struct Tally {
    people: u64,
    by_group: BTreeMap<(String, i32), u64>,
    visits: u64,
    visited: HashSet<Uuid>,
    due: u64,
    overdue: u64,
}

/// `month` is its first day; `today` decides who is overdue.
pub async fn per_street(
    state: &AppState,
    me: &Staff,
    month: NaiveDate,
    today: NaiveDate,
    subtree: Option<&str>,
) -> AppResult<Vec<StreetFigures>> {
    let next_month = (month + Duration::days(32)).with_day(1).unwrap_or(month);
    let people = store::active_people(&state.db, &me.scope, subtree).await?;
    let mut streets: BTreeMap<String, Tally> = BTreeMap::new();
    let mut street_of_person: HashMap<Uuid, String> = HashMap::new();
    for (id, path, due) in &people {
        let Some(street) = street_of(path) else {
            continue;
        };
        let t = streets.entry(street.clone()).or_default();
        t.people += 1;
        if *due < next_month {
            t.due += 1;
        }
        if *due < today {
            t.overdue += 1;
        }
        street_of_person.insert(*id, street);
    }
    let ids: Vec<Uuid> = people.iter().map(|p| p.0).collect();
    for (person, group, tier) in store::membership_rows(&state.db, &ids).await? {
        if let Some(t) = street_of_person
            .get(&person)
            .and_then(|s| streets.get_mut(s))
        {
            *t.by_group.entry((group, tier)).or_default() += 1;
        }
    }
    let visits = store::visits_between(
        &state.db,
        &me.scope,
        subtree,
        start_of_day(month),
        start_of_day(next_month),
    )
    .await?;
    for v in visits {
        let Some(street) = street_of(&v.jurisdiction_path) else {
            continue;
        };
        let t = streets.entry(street).or_default();
        t.visits += 1;
        t.visited.insert(v.person_id);
    }
    let catalogue = store::catalogue(&state.db).await?;
    let mut out = Vec::new();
    for (path, t) in streets {
        let code = crate::jurisdictions::domain::path_codes(&path)
            .last()
            .map(|c| c.to_string())
            .unwrap_or_default();
        let Some(node) = juris::find_by_code(&state.db, &code).await? else {
            continue;
        };
        out.push(StreetFigures {
            street: JurisdictionNode::from(&node),
            people: t.people,
            by_group: t
                .by_group
                .into_iter()
                .map(|((group, tier), people)| GroupTierCount {
                    group_name: catalogue.group_name(&group),
                    group,
                    tier,
                    people,
                })
                .collect(),
            visits_done: t.visits,
            people_visited: t.visited.len() as u64,
            visits_due: t.due,
            overdue: t.overdue,
        });
    }
    Ok(out)
}
