//! Application queries. Staff reads go through `Scope`, resident reads through ownership; a
//! case outside either is simply not found.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    sea_query::Expr,
};
use uuid::Uuid;

use entity::{application_events, applications};

use crate::jurisdictions::Scope;

pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<applications::Model>, DbErr> {
    applications::Entity::find_by_id(id).one(db).await
}

/// The case if it belongs to `resident_id`.
pub async fn find_for_resident(
    db: &impl ConnectionTrait,
    resident_id: Uuid,
    id: Uuid,
) -> Result<Option<applications::Model>, DbErr> {
    Ok(find(db, id)
        .await?
        .filter(|a| a.resident_id == Some(resident_id)))
}

/// The case if it lies inside `scope`.
/// A case inside `scope`, as staff see it: a draft is still the resident's own and is not found.
pub async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<applications::Model>, DbErr> {
    applications::Entity::find_by_id(id)
        .filter(scope.filter(applications::Column::JurisdictionPath))
        .filter(applications::Column::Status.ne("draft"))
        .one(db)
        .await
}

pub async fn reference_taken(db: &impl ConnectionTrait, reference: &str) -> Result<bool, DbErr> {
    Ok(applications::Entity::find()
        .filter(applications::Column::Reference.eq(reference))
        .one(db)
        .await?
        .is_some())
}

pub async fn find_open_by_key(
    db: &impl ConnectionTrait,
    open_key: &str,
) -> Result<Option<applications::Model>, DbErr> {
    applications::Entity::find()
        .filter(applications::Column::OpenKey.eq(open_key))
        .one(db)
        .await
}

pub async fn insert(
    db: &impl ConnectionTrait,
    model: applications::ActiveModel,
) -> Result<applications::Model, DbErr> {
    model.insert(db).await
}

/// Applies `changes` only if the case is still at `version`, bumping it. `false` means someone
/// else changed the case first.
pub async fn update_versioned(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    mut changes: applications::ActiveModel,
) -> Result<bool, DbErr> {
    changes.version = sea_orm::ActiveValue::Set(version + 1);
    changes.updated_at = sea_orm::ActiveValue::Set(crate::db::now());
    let res = applications::Entity::update_many()
        .set(changes)
        .filter(applications::Column::Id.eq(id))
        .filter(applications::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn list_for_resident(
    db: &impl ConnectionTrait,
    resident_id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<applications::Model>, DbErr> {
    let mut q =
        applications::Entity::find().filter(applications::Column::ResidentId.eq(resident_id));
    if let Some(before) = before {
        q = q.filter(applications::Column::Id.lt(before));
    }
    q.order_by_desc(applications::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn timeline(
    db: &impl ConnectionTrait,
    application_id: Uuid,
    public_only: bool,
) -> Result<Vec<application_events::Model>, DbErr> {
    let mut q = application_events::Entity::find()
        .filter(application_events::Column::ApplicationId.eq(application_id));
    if public_only {
        q = q.filter(application_events::Column::Public.eq(true));
    }
    q.order_by_asc(application_events::Column::At)
        .order_by_asc(application_events::Column::Id)
        .all(db)
        .await
}

pub enum AssigneeFilter {
    Staff(Uuid),
    Unassigned,
}

pub enum Order {
    /// Newest first, keyset on id.
    Newest { before: Option<Uuid> },
    /// Soonest deadline first (open cases with a clock), keyset on (deadline, id).
    Deadline {
        after: Option<(DateTime<Utc>, Uuid)>,
    },
}

pub struct StaffFilter {
    pub statuses: Vec<String>,
    pub assistance_type: Option<String>,
    pub sla: Option<String>,
    pub assignee: Option<AssigneeFilter>,
    /// Any of these matches: reference, name fragment, blind indexes of ID number / phone.
    pub reference: Option<String>,
    pub name_fragment: Option<String>,
    pub id_bidx: Option<String>,
    pub phone_bidx: Option<String>,
    pub subtree: Option<String>,
    pub order: Order,
    pub limit: u64,
}

/// The caller's work list: always inside `scope`, whatever the filters say.
pub async fn list_for_staff(
    db: &impl ConnectionTrait,
    scope: &Scope,
    f: StaffFilter,
) -> Result<Vec<applications::Model>, DbErr> {
    let mut q = applications::Entity::find()
        .filter(scope.filter(applications::Column::JurisdictionPath))
        // Drafts are the resident's own until submitted.
        .filter(applications::Column::Status.ne("draft"));
    if let Some(path) = f.subtree {
        q = q.filter(applications::Column::JurisdictionPath.starts_with(&path));
    }
    if !f.statuses.is_empty() {
        q = q.filter(applications::Column::Status.is_in(f.statuses));
    }
    if let Some(t) = f.assistance_type {
        q = q.filter(applications::Column::AssistanceType.eq(t));
    }
    if let Some(sla) = f.sla {
        q = q.filter(applications::Column::SlaState.eq(sla));
    }
    match f.assignee {
        Some(AssigneeFilter::Staff(id)) => q = q.filter(applications::Column::AssigneeId.eq(id)),
        Some(AssigneeFilter::Unassigned) => {
            q = q.filter(applications::Column::AssigneeId.is_null())
        }
        None => {}
    }
    let mut text = Condition::any();
    let mut has_text = false;
    if let Some(r) = f.reference {
        text = text.add(applications::Column::Reference.eq(r));
        has_text = true;
    }
    if let Some(n) = f.name_fragment {
        text = text.add(crate::db::contains_text(
            applications::Column::ApplicantName,
            &n,
        ));
        has_text = true;
    }
    if let Some(b) = f.id_bidx {
        text = text.add(applications::Column::ApplicantIdBidx.eq(b));
        has_text = true;
    }
    if let Some(b) = f.phone_bidx {
        text = text.add(applications::Column::ApplicantPhoneBidx.eq(b));
        has_text = true;
    }
    if has_text {
        q = q.filter(text);
    }
    q = match f.order {
        Order::Newest { before } => {
            if let Some(b) = before {
                q = q.filter(applications::Column::Id.lt(b));
            }
            q.order_by_desc(applications::Column::Id)
        }
        Order::Deadline { after } => {
            q = q.filter(applications::Column::DeadlineAt.is_not_null());
            if let Some((deadline, id)) = after {
                q = q.filter(
                    applications::Column::DeadlineAt.gt(deadline).or(
                        applications::Column::DeadlineAt
                            .eq(deadline)
                            .and(applications::Column::Id.gt(id)),
                    ),
                );
            }
            q.order_by_asc(applications::Column::DeadlineAt)
                .order_by_asc(applications::Column::Id)
        }
    };
    q.limit(f.limit).all(db).await
}

/// Takes a transaction-scoped advisory lock on PostgreSQL without waiting; `false` when
/// another instance holds it. SQLite has one writer anyway.
pub async fn try_scan_lock(txn: &DatabaseTransaction, key: i64) -> Result<bool, DbErr> {
    if !crate::db::is_postgres(txn) {
        return Ok(true);
    }
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock($1) AS locked",
            [key.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get("", "locked"))
        .transpose()?
        .unwrap_or(false))
}

/// Running clocks that have passed a mark whose level they have not reached yet.
pub async fn due_for_escalation(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<applications::Model>, DbErr> {
    use applications::Column as C;
    applications::Entity::find()
        .filter(C::PausedAt.is_null())
        .filter(C::DeadlineAt.is_not_null())
        .filter(
            Condition::any()
                .add(C::AtRiskAt.lte(now).and(C::EscalationLevel.lt(1)))
                .add(C::DeadlineAt.lte(now).and(C::EscalationLevel.lt(2)))
                .add(C::SuperviseAt.lte(now).and(C::EscalationLevel.lt(3))),
        )
        .limit(limit)
        .all(db)
        .await
}

/// Raises a case from escalation level `from` to `to`, only if neither the level nor the case
/// changed since it was read (a concurrent transition wins).
pub async fn escalate(
    db: &impl ConnectionTrait,
    app: &applications::Model,
    from: i32,
    to: i32,
    sla_state: &str,
) -> Result<bool, DbErr> {
    use applications::Column as C;
    let updated = applications::Entity::update_many()
        .col_expr(C::EscalationLevel, Expr::value(to))
        .col_expr(C::SlaState, Expr::value(sla_state))
        .filter(C::Id.eq(app.id))
        .filter(C::EscalationLevel.eq(from))
        .filter(C::Version.eq(app.version))
        .exec(db)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// The cases with these ids, inside `scope` when one is given.
pub async fn find_many(
    db: &impl ConnectionTrait,
    scope: Option<&Scope>,
    ids: Vec<Uuid>,
) -> Result<Vec<applications::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = applications::Entity::find().filter(applications::Column::Id.is_in(ids));
    if let Some(scope) = scope {
        q = q.filter(scope.filter(applications::Column::JurisdictionPath));
    }
    q.all(db).await
}

/// The ids of the cases inside `scope`, as a subquery for other stores' filters.
pub fn ids_in_scope(scope: &Scope) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::QueryTrait;
    applications::Entity::find()
        .select_only()
        .column(applications::Column::Id)
        .filter(scope.filter(applications::Column::JurisdictionPath))
        .into_query()
}
