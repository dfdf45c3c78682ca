//! Building responses from stored rows: people with their place, groups, worker and schedule
//! (numbers masked), visits, tasks and timeline entries.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use entity::{
    care_events, care_memberships, care_people, care_tasks, care_visits, jurisdictions as nodes,
};

use crate::{
    applications::dto::StaffRef,
    care::{
        catalogue::Catalogue,
        domain::{self, tier_name},
        dto::{
            ContactView, EventView, FindingView, MembershipView, PersonSummary, ScheduleView,
            TaskView, VisitView,
        },
        registry, store,
    },
    jurisdictions::{JurisdictionNode, store as juris},
    staff::store as staff_store,
};

/// What summaries of a set of people need, loaded once for the set.
pub struct Lookup {
    pub catalogue: Catalogue,
    nodes: HashMap<Uuid, nodes::Model>,
    workers: HashMap<Uuid, StaffRef>,
    memberships: HashMap<Uuid, Vec<care_memberships::Model>>,
    today: NaiveDate,
    due_soon_days: u32,
}

impl Lookup {
    pub async fn load(
        db: &impl ConnectionTrait,
        people: &[care_people::Model],
        catalogue: Catalogue,
        today: NaiveDate,
        due_soon_days: u32,
    ) -> Result<Lookup, DbErr> {
        let mut nodes = HashMap::new();
        let mut workers = HashMap::new();
        for p in people {
            for id in std::iter::once(p.community_id).chain(p.grid_id) {
                if let std::collections::hash_map::Entry::Vacant(e) = nodes.entry(id)
                    && let Some(n) = juris::find_by_id(db, id).await?
                {
                    e.insert(n);
                }
            }
            if let Some(w) = p.worker_id
                && !workers.contains_key(&w)
                && let Some(s) = staff_store::find_by_id(db, w).await?
            {
                workers.insert(
                    w,
                    StaffRef {
                        id: s.id,
                        name: s.display_name.unwrap_or(s.username),
                    },
                );
            }
        }
        let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
        let memberships = store::memberships_of(db, &ids).await?;
        Ok(Lookup {
            catalogue,
            nodes,
            workers,
            memberships,
            today,
            due_soon_days,
        })
    }

    pub fn groups_of(&self, person: Uuid) -> Vec<(String, i32)> {
        self.memberships
            .get(&person)
            .map(|ms| ms.iter().map(|m| (m.group_code.clone(), m.tier)).collect())
            .unwrap_or_default()
    }

    pub fn node(&self, id: Uuid) -> Option<&nodes::Model> {
        self.nodes.get(&id)
    }

    pub fn worker(&self, id: Option<Uuid>) -> Option<&StaffRef> {
        id.and_then(|w| self.workers.get(&w))
    }

    pub fn summary(&self, p: &care_people::Model) -> PersonSummary {
        let groups = self.groups_of(p.id);
        let req = registry::requirement(&self.catalogue, &groups);
        PersonSummary {
            id: p.id,
            name: p.name.clone(),
            id_number: p.id_masked.clone(),
            phone: p.phone_masked.clone(),
            age: self.today.year() - p.birth_year,
            community: self.node(p.community_id).map(JurisdictionNode::from),
            grid: p
                .grid_id
                .and_then(|g| self.node(g))
                .map(JurisdictionNode::from),
            groups: groups
                .iter()
                .map(|(g, t)| {
                    let tier = self.catalogue.tier(g, *t);
                    MembershipView {
                        group: g.clone(),
                        group_name: self.catalogue.group_name(g),
                        tier: *t,
                        tier_name: tier_name(*t).into(),
                        interval_days: tier.map_or(0, |t| t.interval_days),
                        home_visit_required: tier.is_some_and(|t| t.home_visit_required),
                    }
                })
                .collect(),
            worker: self.worker(p.worker_id).cloned(),
            status: p.status,
            schedule: ScheduleView {
                due_on: p.visit_due_on,
                state: domain::visit_state(p.visit_due_on, self.today, self.due_soon_days),
                alert_level: p.visit_level,
                interval_days: req.interval_days,
                home_visit_required: req.home_visit,
                last_visited_at: p.last_visited_at,
            },
            version: p.version,
        }
    }

    /// The union of the checklists of the person's groups, in a stable order.
    pub fn checklist(&self, person: Uuid) -> Vec<domain::ChecklistItem> {
        let mut items: Vec<domain::ChecklistItem> = self
            .groups_of(person)
            .iter()
            .flat_map(|(g, _)| self.catalogue.checklist(g))
            .collect();
        items.sort();
        items.dedup();
        items
    }
}

pub fn contacts(p: &care_people::Model) -> Vec<ContactView> {
    serde_json::from_value(p.contacts.clone()).unwrap_or_default()
}

pub fn visit(v: &care_visits::Model) -> VisitView {
    VisitView {
        id: v.id,
        person_id: v.person_id,
        visited_at: v.visited_at,
        method: v.method,
        visitor_id: v.visitor_id,
        companion_id: v.companion_id,
        counts: v.counts,
        findings: serde_json::from_value::<Vec<FindingView>>(v.findings.clone())
            .unwrap_or_default(),
        note: v.note.clone(),
        follow_up: v.follow_up,
        application_id: v.application_id,
        task_id: v.task_id,
        next_due_on: v.next_due_on,
        created_at: v.created_at,
    }
}

pub fn task(t: &care_tasks::Model) -> TaskView {
    TaskView {
        id: t.id,
        person_id: t.person_id,
        visit_id: t.visit_id,
        note: t.note.clone(),
        status: t.status,
        created_at: t.created_at,
        done_at: t.done_at,
        done_note: t.done_note.clone(),
    }
}

pub fn event(e: &care_events::Model) -> EventView {
    EventView {
        id: e.id,
        at: e.at,
        actor: e.actor_label.clone(),
        action: e.action,
        note: e.note.clone(),
        data: e.data.clone(),
    }
}
