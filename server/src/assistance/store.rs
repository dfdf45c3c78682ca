//! Catalogue queries and the idempotent seed run at start-up (existing rows are not touched,
//! so admins' edits survive restarts).

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use entity::assistance_types;

use crate::{assistance::domain::SEEDS, db};

pub async fn seed_defaults(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let rows = SEEDS.iter().enumerate().map(|(i, seed)| {
        let required: Vec<&str> = seed.required.iter().map(|f| f.as_str()).collect();
        assistance_types::ActiveModel {
            code: Set(seed.code.into()),
            name: Set(seed.name.into()),
            description: Set(seed.description.into()),
            required_fields: Set(serde_json::json!(required)),
            urgent_response_hours: Set(seed.limits.urgent_response_hours),
            response_working_days: Set(seed.limits.response_working_days),
            investigation_working_days: Set(seed.limits.investigation_working_days),
            review_working_days: Set(seed.limits.review_working_days),
            public_notice_days: Set(seed.limits.public_notice_days),
            total_working_days: Set(seed.limits.total_working_days),
            emergency_allowed: Set(seed.emergency_allowed),
            emergency_backfill_working_days: Set(seed.limits.emergency_backfill_working_days),
            enabled: Set(true),
            sort_order: Set(i as i32 * 10),
            updated_at: Set(db::now()),
        }
    });
    assistance_types::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([assistance_types::Column::Code])
        .exec(db)
        .await?;
    Ok(())
}

pub async fn list(
    db: &impl ConnectionTrait,
    include_disabled: bool,
) -> Result<Vec<assistance_types::Model>, DbErr> {
    let mut q = assistance_types::Entity::find();
    if !include_disabled {
        q = q.filter(assistance_types::Column::Enabled.eq(true));
    }
    q.order_by_asc(assistance_types::Column::SortOrder)
        .order_by_asc(assistance_types::Column::Code)
        .all(db)
        .await
}

pub async fn find(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<assistance_types::Model>, DbErr> {
    assistance_types::Entity::find_by_id(code).one(db).await
}

pub async fn save(
    db: &impl ConnectionTrait,
    model: assistance_types::ActiveModel,
) -> Result<assistance_types::Model, DbErr> {
    model.update(db).await
}
