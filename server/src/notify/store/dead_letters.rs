//! Deliveries given up on and the deliveries of a case, as staff see them: inside their
//! subtree, and (for the city) those about no case at all.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use entity::notification_deliveries as deliveries;

use crate::{
    applications::store as cases,
    jurisdictions::{Level, Scope},
};

use super::DEAD;

fn dead_in_scope(scope: &Scope) -> sea_orm::Select<deliveries::Entity> {
    let mut in_scope = Condition::any()
        .add(deliveries::Column::ApplicationId.in_subquery(cases::ids_in_scope(scope)));
    if scope.level == Level::City {
        // Notifications about no case (e.g. a hotline task) are the city's.
        in_scope = in_scope.add(deliveries::Column::ApplicationId.is_null());
    }
    deliveries::Entity::find()
        .filter(deliveries::Column::State.eq(DEAD))
        .filter(in_scope)
}

/// Dead letters inside `scope`, newest first, one page before `before`.
pub async fn dead_letters(
    db: &impl ConnectionTrait,
    scope: &Scope,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<deliveries::Model>, DbErr> {
    let mut q = dead_in_scope(scope);
    if let Some(before) = before {
        q = q.filter(deliveries::Column::Id.lt(before));
    }
    q.order_by_desc(deliveries::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// One dead letter inside `scope`.
pub async fn find_dead_letter(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<deliveries::Model>, DbErr> {
    dead_in_scope(scope)
        .filter(deliveries::Column::Id.eq(id))
        .one(db)
        .await
}

/// Every delivery of a case (the caller has checked the case is theirs to see).
pub async fn of_application(
    db: &impl ConnectionTrait,
    application_id: Uuid,
) -> Result<Vec<deliveries::Model>, DbErr> {
    deliveries::Entity::find()
        .filter(deliveries::Column::ApplicationId.eq(application_id))
        .order_by_asc(deliveries::Column::Id)
        .all(db)
        .await
}

/// How many deliveries are dead, for the metrics.
pub async fn count_dead(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    deliveries::Entity::find()
        .filter(deliveries::Column::State.eq(DEAD))
        .count(db)
        .await
}
