//! Catalogue queries and the idempotent seed run at start-up (existing rows are not touched,
//! so admins' edits survive restarts).

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use entity::assistance_types;

use crate::{
    assistance::domain::{RequiredField, SEEDS, TimeLimits},
    db,
};

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

/// An admin's edit: absent fields keep their value.
pub struct Changes {
    pub name: Option<String>,
    pub description: Option<String>,
    pub required_fields: Option<Vec<RequiredField>>,
    pub time_limits: Option<TimeLimits>,
    pub emergency_allowed: Option<bool>,
    pub enabled: Option<bool>,
}

/// Applies `changes` to the type as it was read.
pub async fn update(
    db: &impl ConnectionTrait,
    current: assistance_types::Model,
    changes: Changes,
) -> Result<assistance_types::Model, DbErr> {
    let mut active: assistance_types::ActiveModel = current.into();
    if let Some(name) = changes.name {
        active.name = Set(name);
    }
    if let Some(d) = changes.description {
        active.description = Set(d);
    }
    if let Some(req) = changes.required_fields {
        let names: Vec<&str> = req.iter().map(|f| f.as_str()).collect();
        active.required_fields = Set(serde_json::json!(names));
    }
    if let Some(l) = changes.time_limits {
        active.urgent_response_hours = Set(l.urgent_response_hours);
        active.response_working_days = Set(l.response_working_days);
        active.investigation_working_days = Set(l.investigation_working_days);
        active.review_working_days = Set(l.review_working_days);
        active.public_notice_days = Set(l.public_notice_days);
        active.total_working_days = Set(l.total_working_days);
        active.emergency_backfill_working_days = Set(l.emergency_backfill_working_days);
    }
    if let Some(e) = changes.emergency_allowed {
        active.emergency_allowed = Set(e);
    }
    if let Some(e) = changes.enabled {
        active.enabled = Set(e);
    }
    active.updated_at = Set(db::now());
    active.update(db).await
}

/// The enabled types in catalogue order, in the short form shown after a scan.
pub async fn public_summaries(
    db: &impl ConnectionTrait,
) -> Result<Vec<crate::assistance::dto::AssistanceTypeSummary>, DbErr> {
    Ok(list(db, false)
        .await?
        .iter()
        .map(crate::assistance::dto::AssistanceTypeSummary::from)
        .collect())
}
