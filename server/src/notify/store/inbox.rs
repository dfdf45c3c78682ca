//! Inbox queries: a staff member only ever reads their own rows.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use entity::staff_notifications;

use crate::db;

pub async fn by_delivery(
    db: &impl ConnectionTrait,
    delivery: Uuid,
) -> Result<Option<staff_notifications::Model>, DbErr> {
    staff_notifications::Entity::find()
        .filter(staff_notifications::Column::DeliveryId.eq(delivery))
        .one(db)
        .await
}

pub async fn find_own(
    db: &impl ConnectionTrait,
    staff_id: Uuid,
    id: Uuid,
) -> Result<Option<staff_notifications::Model>, DbErr> {
    Ok(staff_notifications::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|n| n.staff_id == staff_id))
}

/// Newest first, before `before`.
pub async fn list(
    db: &impl ConnectionTrait,
    staff_id: Uuid,
    unread_only: bool,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<staff_notifications::Model>, DbErr> {
    let mut q = staff_notifications::Entity::find()
        .filter(staff_notifications::Column::StaffId.eq(staff_id));
    if unread_only {
        q = q.filter(staff_notifications::Column::ReadAt.is_null());
    }
    if let Some(b) = before {
        q = q.filter(staff_notifications::Column::Id.lt(b));
    }
    q.order_by_desc(staff_notifications::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Oldest first, after `after` (resuming a live stream).
pub async fn since(
    db: &impl ConnectionTrait,
    staff_id: Uuid,
    after: Uuid,
    limit: u64,
) -> Result<Vec<staff_notifications::Model>, DbErr> {
    staff_notifications::Entity::find()
        .filter(staff_notifications::Column::StaffId.eq(staff_id))
        .filter(staff_notifications::Column::Id.gt(after))
        .order_by_asc(staff_notifications::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn mark_read(db: &impl ConnectionTrait, staff_id: Uuid, id: Uuid) -> Result<(), DbErr> {
    staff_notifications::Entity::update_many()
        .col_expr(staff_notifications::Column::ReadAt, Expr::value(db::now()))
        .filter(staff_notifications::Column::Id.eq(id))
        .filter(staff_notifications::Column::StaffId.eq(staff_id))
        .filter(staff_notifications::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A staff member's inbox row for a delivery; a second one for the same delivery is not
/// written (a redelivery changes nothing).
pub async fn insert_for_delivery(
    db: &impl ConnectionTrait,
    row: staff_notifications::Model,
) -> Result<(), DbErr> {
    use sea_orm::IntoActiveModel;
    staff_notifications::Entity::insert(row.into_active_model())
        .on_conflict_do_nothing_on([staff_notifications::Column::DeliveryId])
        .exec_without_returning(db)
        .await?;
    Ok(())
}
