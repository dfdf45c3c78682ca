//! Jurisdiction queries. The tree is public (residents see where their case goes); changes are
//! admin-only and scoped by the handlers.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use entity::{jurisdictions, street_settings};

use crate::{
    db,
    error::{AppResult, OnConstraint},
    jurisdictions::domain::{Code, Level, child_path, path_codes, root_path},
};

pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<jurisdictions::Model>, DbErr> {
    // Codes are stored as `Code::parse` leaves them; anything it refuses names no node (and a
    // NUL byte would be refused by PostgreSQL itself).
    let Ok(code) = super::domain::Code::parse(code) else {
        return Ok(None);
    };
    jurisdictions::Entity::find()
        .filter(jurisdictions::Column::Code.eq(code.as_str()))
        .one(db)
        .await
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<jurisdictions::Model>, DbErr> {
    jurisdictions::Entity::find_by_id(id).one(db).await
}

pub async fn children(
    db: &impl ConnectionTrait,
    parent_id: Uuid,
) -> Result<Vec<jurisdictions::Model>, DbErr> {
    jurisdictions::Entity::find()
        .filter(jurisdictions::Column::ParentId.eq(parent_id))
        .order_by_asc(jurisdictions::Column::Code)
        .all(db)
        .await
}

/// The nodes on `path`, root first.
pub async fn path_nodes(
    db: &impl ConnectionTrait,
    path: &str,
) -> Result<Vec<jurisdictions::Model>, DbErr> {
    let codes = path_codes(path);
    let mut nodes = jurisdictions::Entity::find()
        .filter(jurisdictions::Column::Code.is_in(codes.iter().copied()))
        .all(db)
        .await?;
    nodes.sort_by_key(|n| codes.iter().position(|c| *c == n.code));
    Ok(nodes)
}

/// Inserts a node under `parent` (a root when `None`); a taken code is a 409.
pub async fn insert(
    db: &impl ConnectionTrait,
    code: &Code,
    name: &str,
    level: Level,
    parent: Option<&jurisdictions::Model>,
) -> AppResult<jurisdictions::Model> {
    let now = db::now();
    let path = match parent {
        Some(p) => child_path(&p.path, code),
        None => root_path(code),
    };
    jurisdictions::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code.as_str().into()),
        name: Set(name.into()),
        level: Set(level.as_str().into()),
        parent_id: Set(parent.map(|p| p.id)),
        path: Set(path),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .on_unique("jurisdiction_code_taken", "该区划代码已存在")
}

pub async fn rename(
    db: &impl ConnectionTrait,
    node: jurisdictions::Model,
    name: &str,
) -> Result<jurisdictions::Model, DbErr> {
    let mut active: jurisdictions::ActiveModel = node.into();
    active.name = Set(name.into());
    active.updated_at = Set(db::now());
    active.update(db).await
}

/// A street's own 先行救助 cap, if it has one.
pub async fn emergency_cap(
    db: &impl ConnectionTrait,
    street_id: Uuid,
) -> Result<Option<i64>, DbErr> {
    Ok(street_settings::Entity::find_by_id(street_id)
        .one(db)
        .await?
        .map(|s| s.emergency_cap_fen))
}

pub async fn set_emergency_cap(
    db: &impl ConnectionTrait,
    street_id: Uuid,
    cap_fen: i64,
) -> Result<(), DbErr> {
    street_settings::Entity::insert(street_settings::ActiveModel {
        jurisdiction_id: Set(street_id),
        emergency_cap_fen: Set(cap_fen),
        updated_at: Set(db::now()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(street_settings::Column::JurisdictionId)
            .update_columns([
                street_settings::Column::EmergencyCapFen,
                street_settings::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// The nodes with these ids (those that exist).
pub async fn find_many(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<jurisdictions::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    jurisdictions::Entity::find()
        .filter(jurisdictions::Column::Id.is_in(ids))
        .all(db)
        .await
}
