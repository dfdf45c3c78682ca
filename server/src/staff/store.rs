//! Staff queries. Listing and lookups for other staff always filter by the caller's scope.

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, JoinType},
};
use uuid::Uuid;

use entity::{jurisdictions, staff};

use crate::{
    db,
    error::{AppResult, OnConstraint},
    jurisdictions::Scope,
    staff::Role,
};

pub struct NewStaff<'a> {
    pub username: &'a str,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub jurisdiction_id: Uuid,
}

pub async fn insert(db: &impl ConnectionTrait, new: NewStaff<'_>) -> AppResult<staff::Model> {
    let now = db::now();
    staff::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(new.username.to_string()),
        display_name: Set(new.display_name),
        password_hash: Set(new.password_hash),
        role: Set(new.role.as_str().into()),
        jurisdiction_id: Set(new.jurisdiction_id),
        disabled: Set(false),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .on_unique("username_taken", "该用户名已被使用")
}

pub async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<staff::Model>, DbErr> {
    staff::Entity::find()
        .filter(staff::Column::Username.eq(username))
        .one(db)
        .await
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<staff::Model>, DbErr> {
    staff::Entity::find_by_id(id).one(db).await
}

/// The account and its node, for the auth extractor.
pub async fn find_with_jurisdiction(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(staff::Model, jurisdictions::Model)>, DbErr> {
    let Some(account) = staff::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let node = jurisdictions::Entity::find_by_id(account.jurisdiction_id)
        .one(db)
        .await?;
    Ok(node.map(|n| (account, n)))
}

/// A staff member inside `scope`, with their node; `None` for anyone outside.
pub async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: Uuid,
) -> Result<Option<(staff::Model, jurisdictions::Model)>, DbErr> {
    Ok(find_with_jurisdiction(db, id)
        .await?
        .filter(|(_, node)| scope.contains(&node.path)))
}

#[derive(Default)]
pub struct ListFilter {
    pub role: Option<Role>,
    pub jurisdiction_path: Option<String>,
    pub disabled: Option<bool>,
    pub query: Option<String>,
    pub after_username: Option<String>,
    pub limit: u64,
}

/// Staff in `scope` ordered by username, one page after `after_username`.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: ListFilter,
) -> Result<Vec<(staff::Model, jurisdictions::Model)>, DbErr> {
    let mut q = staff::Entity::find()
        .select_also(jurisdictions::Entity)
        .join(JoinType::InnerJoin, staff_jurisdiction())
        .filter(scope.filter(jurisdictions::Column::Path));
    if let Some(role) = filter.role {
        q = q.filter(staff::Column::Role.eq(role.as_str()));
    }
    if let Some(path) = filter.jurisdiction_path {
        q = q.filter(jurisdictions::Column::Path.starts_with(&path));
    }
    if let Some(disabled) = filter.disabled {
        q = q.filter(staff::Column::Disabled.eq(disabled));
    }
    if let Some(text) = filter.query {
        q = q.filter(
            db::contains_text((staff::Entity, staff::Column::Username), &text).or(
                db::contains_text((staff::Entity, staff::Column::DisplayName), &text),
            ),
        );
    }
    if let Some(after) = filter.after_username {
        q = q.filter(staff::Column::Username.gt(after));
    }
    let rows = q
        .order_by_asc(staff::Column::Username)
        .limit(filter.limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, j)| j.map(|j| (s, j)))
        .collect())
}

fn staff_jurisdiction() -> sea_orm::RelationDef {
    staff::Entity::belongs_to(jurisdictions::Entity)
        .from(staff::Column::JurisdictionId)
        .to(jurisdictions::Column::Id)
        .into()
}

pub struct Changes {
    pub role: Option<Role>,
    pub jurisdiction_id: Option<Uuid>,
    pub disabled: Option<bool>,
    pub display_name: Option<String>,
}

pub async fn update(
    db: &impl ConnectionTrait,
    current: staff::Model,
    changes: Changes,
) -> Result<staff::Model, DbErr> {
    let mut active: staff::ActiveModel = current.into();
    if let Some(role) = changes.role {
        active.role = Set(role.as_str().into());
    }
    if let Some(id) = changes.jurisdiction_id {
        active.jurisdiction_id = Set(id);
    }
    if let Some(disabled) = changes.disabled {
        active.disabled = Set(disabled);
    }
    if let Some(name) = changes.display_name {
        active.display_name = Set(Some(name));
    }
    active.updated_at = Set(db::now());
    active.update(db).await
}

pub async fn touch_login(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    staff::Entity::update_many()
        .col_expr(staff::Column::LastLoginAt, Expr::value(db::now()))
        .filter(staff::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Enabled staff of `roles` posted exactly at the nodes with these paths (not below them).
pub async fn enabled_at_paths(
    db: &impl ConnectionTrait,
    paths: &[String],
    roles: &[Role],
) -> Result<Vec<Uuid>, DbErr> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let nodes: Vec<Uuid> = jurisdictions::Entity::find()
        .filter(jurisdictions::Column::Path.is_in(paths.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|n| n.id)
        .collect();
    if nodes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(staff::Entity::find()
        .filter(staff::Column::JurisdictionId.is_in(nodes))
        .filter(staff::Column::Role.is_in(roles.iter().map(|r| r.as_str())))
        .filter(staff::Column::Disabled.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect())
}

/// The accounts with these ids (those that exist), for showing who did something.
pub async fn find_many(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<staff::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    staff::Entity::find()
        .filter(staff::Column::Id.is_in(ids))
        .all(db)
        .await
}
