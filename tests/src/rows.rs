//! Rows read straight from the database, for assertions on what the API does not show.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::app::TestApp;

impl TestApp {
    /// The stored case, for assertions on fields the API does not show.
    pub async fn stored(&self, id: &str) -> entity::applications::Model {
        entity::applications::Entity::find_by_id(Uuid::parse_str(id).unwrap())
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap()
    }

    /// The case's current version, read straight from the database.
    pub async fn version_of(&self, id: &str) -> i32 {
        self.stored(id).await.version
    }

    /// Outbox rows of a case, oldest first.
    pub async fn outbox_of(&self, id: &str) -> Vec<entity::outbox::Model> {
        entity::outbox::Entity::find()
            .filter(entity::outbox::Column::AggregateId.eq(Uuid::parse_str(id).unwrap()))
            .order_by_asc(entity::outbox::Column::Id)
            .all(&self.state.db)
            .await
            .unwrap()
    }

    /// Inbox rows of a staff member, oldest first.
    pub async fn inbox_of(&self, staff_id: Uuid) -> Vec<entity::staff_notifications::Model> {
        entity::staff_notifications::Entity::find()
            .filter(entity::staff_notifications::Column::StaffId.eq(staff_id))
            .order_by_asc(entity::staff_notifications::Column::Id)
            .all(&self.state.db)
            .await
            .unwrap()
    }
}
