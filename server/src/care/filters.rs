//! Turning list and export queries into a registry filter, inside the caller's subtree.

use chrono::{Duration, NaiveDate};
use uuid::Uuid;

use entity::care_enums::PersonStatus;

use crate::{
    auth::Staff,
    care::{
        access::{bad_query, known_group},
        catalogue::Catalogue,
        domain::VisitState,
        store::{PeopleFilter, WorkerFilter},
    },
    error::AppResult,
    jurisdictions::store as juris,
    privacy::{IdCardNumber, MobileNumber, index},
    state::AppState,
};

/// The query parameters lists and exports share.
pub struct Params<'a> {
    pub group: Option<&'a str>,
    pub tier: Option<i32>,
    pub visit: Option<&'a str>,
    pub worker: Option<&'a str>,
    pub q: Option<&'a str>,
    pub jurisdiction_code: Option<&'a str>,
    pub status: Option<PersonStatus>,
}

fn present(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// The due-day ranges of visit states on `today`.
pub fn due_range(
    state: VisitState,
    today: NaiveDate,
    soon: u32,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let soon = Duration::days(i64::from(soon));
    match state {
        VisitState::Overdue => (None, Some(today - Duration::days(1))),
        VisitState::Due => (Some(today), Some(today)),
        VisitState::DueSoon => (Some(today + Duration::days(1)), Some(today + soon)),
        VisitState::OnTrack => (Some(today + soon + Duration::days(1)), None),
    }
}

pub async fn filter(
    state: &AppState,
    me: &Staff,
    catalogue: &Catalogue,
    p: Params<'_>,
    today: NaiveDate,
) -> AppResult<PeopleFilter> {
    let mut f = PeopleFilter {
        status: Some(p.status.unwrap_or(PersonStatus::Active)),
        ..PeopleFilter::default()
    };
    if let Some(g) = present(p.group) {
        f.group = Some(known_group(catalogue, g)?);
    }
    if let Some(t) = p.tier {
        if !(1..=crate::care::domain::MAX_TIER).contains(&t) {
            return Err(bad_query("tier 应为 1–3"));
        }
        f.tier = Some(t);
    }
    for s in present(p.visit)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let vs: VisitState = s.parse().map_err(|_| {
            bad_query(format!(
                "visit 应为 on_track、due_soon、due 或 overdue,而不是 {s}"
            ))
        })?;
        f.due_ranges
            .push(due_range(vs, today, state.settings.care.due_soon_days));
    }
    f.worker = match present(p.worker) {
        None => None,
        Some("me") => Some(WorkerFilter::Staff(me.id)),
        Some("none") => Some(WorkerFilter::Unassigned),
        Some(id) => {
            Some(WorkerFilter::Staff(Uuid::parse_str(id).map_err(|_| {
                bad_query("worker 应为工作人员 id、me 或 none")
            })?))
        }
    };
    if let Some(q) = present(p.q) {
        if q.chars().count() > 32 || q.chars().any(char::is_control) {
            return Err(bad_query("搜索内容应为身份证号、手机号或姓名的一部分"));
        }
        if let Ok(id) = IdCardNumber::parse(q, today) {
            f.id_bidx = Some(state.cipher.blind_index(index::ID_NUMBER, id.as_str()));
        } else if let Ok(phone) = MobileNumber::parse(q) {
            f.phone_bidx = Some(state.cipher.blind_index(index::PHONE, phone.as_str()));
        } else {
            f.name_fragment = Some(q.to_string());
        }
    }
    if let Some(code) = present(p.jurisdiction_code) {
        let node = juris::find_by_code(&state.db, code)
            .await?
            .ok_or_else(|| bad_query("区划不存在"))?;
        f.subtree = Some(node.path);
    }
    Ok(f)
}
