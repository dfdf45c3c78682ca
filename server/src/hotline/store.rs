//! Hotline queries. Staff reads go through `Scope` on the row's jurisdiction path; writes take
//! the caller's transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TryInsertResult,
    sea_query::{Expr, Func},
};
use uuid::Uuid;

use entity::{
    application_events, hotline_callback_events as callback_events, hotline_calls as calls,
    hotline_follow_ups as follow_ups, jurisdictions,
};

use crate::jurisdictions::Scope;

pub async fn find_call(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<calls::Model>, DbErr> {
    calls::Entity::find_by_id(id).one(db).await
}

pub async fn find_call_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<calls::Model>, DbErr> {
    calls::Entity::find_by_id(id)
        .filter(scope.filter(calls::Column::JurisdictionPath))
        .one(db)
        .await
}

/// Help-request tasks inside `scope`: open ones oldest first (the longest waiting on top),
/// done ones newest first; keyset on the (time-ordered) id.
pub async fn tasks(
    db: &impl ConnectionTrait,
    scope: &Scope,
    open: bool,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<calls::Model>, DbErr> {
    let mut q = calls::Entity::find()
        .filter(scope.filter(calls::Column::JurisdictionPath))
        .filter(calls::Column::TaskStatus.eq(if open { "open" } else { "done" }));
    q = match (open, after) {
        (true, Some(a)) => q.filter(calls::Column::Id.gt(a)),
        (false, Some(a)) => q.filter(calls::Column::Id.lt(a)),
        (_, None) => q,
    };
    q = if open {
        q.order_by_asc(calls::Column::Id)
    } else {
        q.order_by_desc(calls::Column::Id)
    };
    q.limit(limit).all(db).await
}

/// Marks an open task done; `false` when it was not open (someone else closed it).
pub async fn finish_task(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    note: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = calls::Entity::update_many()
        .col_expr(calls::Column::TaskStatus, Expr::value("done"))
        .col_expr(calls::Column::TaskDoneAt, Expr::value(at))
        .col_expr(calls::Column::TaskDoneBy, Expr::value(by))
        .col_expr(calls::Column::TaskNote, Expr::value(note))
        .col_expr(calls::Column::UpdatedAt, Expr::value(at))
        .filter(calls::Column::Id.eq(id))
        .filter(calls::Column::TaskStatus.eq("open"))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn insert_call(
    db: &impl ConnectionTrait,
    model: calls::Model,
) -> Result<calls::Model, DbErr> {
    calls::ActiveModel::from(model).insert(db).await
}

/// The call the platform knows as `platform_call_id`, created from `new` when there is none
/// yet, and locked for the rest of the transaction either way (`true` when created). Events of
/// one call and the operator's entry therefore apply one after another.
pub async fn create_or_lock_platform_call(
    db: &impl ConnectionTrait,
    platform_call_id: &str,
    new: calls::Model,
) -> Result<(calls::Model, bool), DbErr> {
    let inserted = calls::Entity::insert(calls::ActiveModel::from(new.clone()))
        .on_conflict_do_nothing_on([calls::Column::PlatformCallId])
        .exec(db)
        .await?;
    if let TryInsertResult::Inserted(_) = inserted {
        return Ok((new, true));
    }
    calls::Entity::find()
        .filter(calls::Column::PlatformCallId.eq(platform_call_id))
        .lock_exclusive()
        .one(db)
        .await?
        .map(|c| (c, false))
        .ok_or_else(|| DbErr::RecordNotFound(format!("hotline call {platform_call_id}")))
}

pub async fn update_call(
    db: &impl ConnectionTrait,
    model: calls::Model,
) -> Result<calls::Model, DbErr> {
    // Every column is written: the caller merged the whole row under its lock.
    let active = calls::ActiveModel::from(model).reset_all();
    active.update(db).await
}

/// A number's calls inside `scope`, newest first.
pub async fn calls_by_phone(
    db: &impl ConnectionTrait,
    scope: &Scope,
    phone_bidx: &str,
    limit: u64,
) -> Result<Vec<calls::Model>, DbErr> {
    calls::Entity::find()
        .filter(scope.filter(calls::Column::JurisdictionPath))
        .filter(calls::Column::CallerPhoneBidx.eq(phone_bidx))
        .order_by_desc(calls::Column::CreatedAt)
        .order_by_desc(calls::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Where calls nobody has entered yet belong: the root of the tree when there is exactly one
/// (the city the hotline serves); otherwise `/`, which no staff scope contains.
pub async fn unattributed_path(db: &impl ConnectionTrait) -> Result<String, DbErr> {
    let roots = jurisdictions::Entity::find()
        .filter(jurisdictions::Column::ParentId.is_null())
        .limit(2)
        .all(db)
        .await?;
    Ok(match roots.as_slice() {
        [root] => root.path.clone(),
        _ => "/".into(),
    })
}

/// Records a platform event id. `false`: it was processed before (or is being processed by a
/// concurrent request, which this insert waited for).
pub async fn record_callback_event(
    db: &impl ConnectionTrait,
    model: callback_events::Model,
) -> Result<bool, DbErr> {
    let res = callback_events::Entity::insert(callback_events::ActiveModel::from(model))
        .on_conflict_do_nothing_on([callback_events::Column::EventId])
        .exec_without_returning(db)
        .await?;
    Ok(matches!(res, TryInsertResult::Inserted(n) if n > 0))
}

/// Inserts a follow-up unless the case already has one for this episode. `true` when inserted.
pub async fn insert_follow_up_if_absent(
    db: &impl ConnectionTrait,
    model: follow_ups::Model,
) -> Result<bool, DbErr> {
    let res = follow_ups::Entity::insert(follow_ups::ActiveModel::from(model))
        .on_conflict_do_nothing_on([
            follow_ups::Column::ApplicationId,
            follow_ups::Column::Episode,
        ])
        .exec_without_returning(db)
        .await?;
    Ok(matches!(res, TryInsertResult::Inserted(n) if n > 0))
}

/// Cancels the case's open follow-up (the case was reopened before anyone called).
pub async fn cancel_open_follow_ups(
    db: &impl ConnectionTrait,
    application_id: Uuid,
) -> Result<u64, DbErr> {
    let res = follow_ups::Entity::update_many()
        .col_expr(follow_ups::Column::Status, Expr::value("cancelled"))
        .col_expr(follow_ups::Column::UpdatedAt, Expr::value(crate::db::now()))
        .col_expr(
            follow_ups::Column::Version,
            Expr::col(follow_ups::Column::Version).add(1),
        )
        .filter(follow_ups::Column::ApplicationId.eq(application_id))
        .filter(follow_ups::Column::Status.eq("open"))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// How often the case has been reopened: its follow-up episode.
pub async fn reopen_count(db: &impl ConnectionTrait, application_id: Uuid) -> Result<i32, DbErr> {
    let n = application_events::Entity::find()
        .filter(application_events::Column::ApplicationId.eq(application_id))
        .filter(application_events::Column::Action.is_in(["reopen", "follow_up_reopen"]))
        .count(db)
        .await?;
    Ok(i32::try_from(n).unwrap_or(i32::MAX))
}

pub async fn find_follow_up_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<follow_ups::Model>, DbErr> {
    follow_ups::Entity::find_by_id(id)
        .filter(scope.filter(follow_ups::Column::JurisdictionPath))
        .one(db)
        .await
}

/// Applies `changes` only if the follow-up is still at `version`. `false`: someone else
/// recorded a result first.
pub async fn update_follow_up_versioned(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    mut changes: follow_ups::ActiveModel,
) -> Result<bool, DbErr> {
    changes.version = sea_orm::ActiveValue::Set(version + 1);
    changes.updated_at = sea_orm::ActiveValue::Set(crate::db::now());
    let res = follow_ups::Entity::update_many()
        .set(changes)
        .filter(follow_ups::Column::Id.eq(id))
        .filter(follow_ups::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpFilter {
    All,
    Due,
    Overdue,
    Done,
}

pub enum FollowUpCursor {
    /// Open lists: soonest due first, keyset on (due_at, id).
    Due(DateTime<Utc>, Uuid),
    /// Other lists: newest first, keyset on id.
    Before(Uuid),
}

/// Follow-ups inside `scope`.
pub async fn list_follow_ups(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: FollowUpFilter,
    now: DateTime<Utc>,
    cursor: Option<FollowUpCursor>,
    limit: u64,
) -> Result<Vec<follow_ups::Model>, DbErr> {
    let mut q =
        follow_ups::Entity::find().filter(scope.filter(follow_ups::Column::JurisdictionPath));
    q = match filter {
        FollowUpFilter::All => q,
        FollowUpFilter::Due => q
            .filter(follow_ups::Column::Status.eq("open"))
            .filter(follow_ups::Column::DueAt.gte(now)),
        FollowUpFilter::Overdue => q
            .filter(follow_ups::Column::Status.eq("open"))
            .filter(follow_ups::Column::DueAt.lt(now)),
        FollowUpFilter::Done => q.filter(follow_ups::Column::Status.eq("done")),
    };
    if matches!(filter, FollowUpFilter::Due | FollowUpFilter::Overdue) {
        if let Some(FollowUpCursor::Due(due, id)) = cursor {
            q = q.filter(
                follow_ups::Column::DueAt
                    .gt(due)
                    .or(follow_ups::Column::DueAt
                        .eq(due)
                        .and(follow_ups::Column::Id.gt(id))),
            );
        }
        q = q
            .order_by_asc(follow_ups::Column::DueAt)
            .order_by_asc(follow_ups::Column::Id);
    } else {
        if let Some(FollowUpCursor::Before(id)) = cursor {
            q = q.filter(follow_ups::Column::Id.lt(id));
        }
        q = q.order_by_desc(follow_ups::Column::Id);
    }
    q.limit(limit).all(db).await
}

/// Satisfaction counts of one street.
#[derive(Debug, Clone, FromQueryResult)]
pub struct StreetCounts {
    pub street_path: String,
    pub completed: i64,
    pub reached: i64,
    pub score_sum: Option<i64>,
    pub s1: i64,
    pub s2: i64,
    pub s3: i64,
    pub s4: i64,
    pub s5: i64,
}

/// Follow-ups completed in `[from, to)` inside `scope`, counted by street.
pub async fn satisfaction_by_street(
    db: &impl ConnectionTrait,
    scope: &Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<StreetCounts>, DbErr> {
    let count_if = |cond: Expr| -> Expr { Func::sum(Expr::case(cond, 1).finally(0)).into() };
    let reached = || follow_ups::Column::Outcome.eq("reached");
    let score = |n: i32| follow_ups::Column::Satisfaction.eq(n);
    follow_ups::Entity::find()
        .select_only()
        .column(follow_ups::Column::StreetPath)
        .column_as(follow_ups::Column::Id.count(), "completed")
        .column_as(count_if(reached()), "reached")
        .column_as(
            Expr::from(Func::sum(Expr::col(follow_ups::Column::Satisfaction))),
            "score_sum",
        )
        .column_as(count_if(score(1)), "s1")
        .column_as(count_if(score(2)), "s2")
        .column_as(count_if(score(3)), "s3")
        .column_as(count_if(score(4)), "s4")
        .column_as(count_if(score(5)), "s5")
        .filter(scope.filter(follow_ups::Column::JurisdictionPath))
        .filter(follow_ups::Column::Status.eq("done"))
        .filter(follow_ups::Column::CompletedAt.gte(from))
        .filter(follow_ups::Column::CompletedAt.lt(to))
        .group_by(follow_ups::Column::StreetPath)
        .order_by_asc(follow_ups::Column::StreetPath)
        .into_model::<StreetCounts>()
        .all(db)
        .await
}
