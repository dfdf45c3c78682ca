//! What happens to people: visits, help tasks and the timeline.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use serde_json::Value;
use uuid::Uuid;

use entity::{
    care_enums::{CareAction, TaskStatus},
    care_events, care_tasks, care_visits,
};

use crate::{db, jurisdictions::Scope};

pub async fn insert_visit(
    db: &impl ConnectionTrait,
    visit: care_visits::ActiveModel,
) -> Result<care_visits::Model, DbErr> {
    visit.insert(db).await
}

/// A person's visits, newest first.
pub async fn visits_of(
    db: &impl ConnectionTrait,
    person: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<care_visits::Model>, DbErr> {
    let mut q = care_visits::Entity::find().filter(care_visits::Column::PersonId.eq(person));
    if let Some(before) = before {
        q = q.filter(care_visits::Column::Id.lt(before));
    }
    q.order_by_desc(care_visits::Column::VisitedAt)
        .order_by_desc(care_visits::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn insert_task(
    db: &impl ConnectionTrait,
    task: care_tasks::ActiveModel,
) -> Result<care_tasks::Model, DbErr> {
    task.insert(db).await
}

pub async fn find_task_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<care_tasks::Model>, DbErr> {
    care_tasks::Entity::find_by_id(id)
        .filter(scope.filter(care_tasks::Column::JurisdictionPath))
        .one(db)
        .await
}

/// Tasks inside `scope` (optionally of one status or person), newest first.
pub async fn tasks(
    db: &impl ConnectionTrait,
    scope: &Scope,
    status: Option<TaskStatus>,
    person: Option<Uuid>,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<care_tasks::Model>, DbErr> {
    let mut q =
        care_tasks::Entity::find().filter(scope.filter(care_tasks::Column::JurisdictionPath));
    if let Some(s) = status {
        q = q.filter(care_tasks::Column::Status.eq(s));
    }
    if let Some(p) = person {
        q = q.filter(care_tasks::Column::PersonId.eq(p));
    }
    if let Some(before) = before {
        q = q.filter(care_tasks::Column::Id.lt(before));
    }
    q.order_by_desc(care_tasks::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Closes an open task; `false` when it was not open.
pub async fn finish_task(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    note: &str,
) -> Result<bool, DbErr> {
    let res = care_tasks::Entity::update_many()
        .col_expr(care_tasks::Column::Status, Expr::value(TaskStatus::Done))
        .col_expr(care_tasks::Column::DoneAt, Expr::value(db::now()))
        .col_expr(care_tasks::Column::DoneBy, Expr::value(by))
        .col_expr(care_tasks::Column::DoneNote, Expr::value(note))
        .filter(care_tasks::Column::Id.eq(id))
        .filter(care_tasks::Column::Status.eq(TaskStatus::Open))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Who appears on a person's timeline.
#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: &'static str,
    pub id: Option<Uuid>,
    pub label: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            kind: "system",
            id: None,
            label: "系统".into(),
        }
    }
}

/// A timeline entry, ready to insert (alone or in a batch).
pub fn event(
    person: Uuid,
    actor: &Actor,
    action: CareAction,
    note: Option<String>,
    data: Option<Value>,
) -> care_events::ActiveModel {
    care_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person),
        at: Set(db::now()),
        actor_kind: Set(actor.kind.into()),
        actor_id: Set(actor.id),
        actor_label: Set(actor.label.chars().take(96).collect()),
        action: Set(action),
        note: Set(note),
        data: Set(data),
    }
}

pub async fn record(
    db: &impl ConnectionTrait,
    event: care_events::ActiveModel,
) -> Result<(), DbErr> {
    care_events::Entity::insert(event).exec(db).await?;
    Ok(())
}

pub async fn record_all(
    db: &impl ConnectionTrait,
    events: Vec<care_events::ActiveModel>,
) -> Result<(), DbErr> {
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let chunk: Vec<_> = events.by_ref().take(1000).collect();
        care_events::Entity::insert_many(chunk).exec(db).await?;
    }
    Ok(())
}

/// A person's timeline, newest first.
pub async fn events_of(
    db: &impl ConnectionTrait,
    person: Uuid,
    limit: u64,
) -> Result<Vec<care_events::Model>, DbErr> {
    care_events::Entity::find()
        .filter(care_events::Column::PersonId.eq(person))
        .order_by_desc(care_events::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Visits inside `scope` made in `[from, to)`, for the monthly figures.
pub async fn visits_between(
    db: &impl ConnectionTrait,
    scope: &Scope,
    subtree: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<care_visits::Model>, DbErr> {
    let mut q = care_visits::Entity::find()
        .filter(scope.filter(care_visits::Column::JurisdictionPath))
        .filter(care_visits::Column::VisitedAt.gte(from))
        .filter(care_visits::Column::VisitedAt.lt(to));
    if let Some(p) = subtree {
        q = q.filter(care_visits::Column::JurisdictionPath.starts_with(p));
    }
    q.all(db).await
}
