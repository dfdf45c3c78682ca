//! Who may be given a case: the enabled caseworkers whose node covers the case's community,
//! inside the caller's subtree. Feeds the `assign` action's choice.

use actix_web::{HttpResponse, get, web};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::JoinType,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use entity::{applications, jurisdictions, staff};

use crate::{
    applications::store,
    auth::Staff,
    error::{AppResult, ErrorBody},
    jurisdictions::{JurisdictionNode, Scope},
    staff::Role,
    state::AppState,
};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Assignee {
    pub id: Uuid,
    pub name: String,
    pub jurisdiction: JurisdictionNode,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssigneeList {
    pub items: Vec<Assignee>,
}

/// Every prefix path of `path`: `/a/b/` → `/a/`, `/a/b/`.
fn ancestor_paths(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut acc = String::from("/");
    for code in crate::jurisdictions::domain::path_codes(path) {
        acc.push_str(code);
        acc.push('/');
        out.push(acc.clone());
    }
    out
}

pub async fn candidates(
    db: &impl ConnectionTrait,
    scope: &Scope,
    app: &applications::Model,
) -> Result<Vec<(staff::Model, jurisdictions::Model)>, DbErr> {
    let rows = staff::Entity::find()
        .select_also(jurisdictions::Entity)
        .join(
            JoinType::InnerJoin,
            staff::Entity::belongs_to(jurisdictions::Entity)
                .from(staff::Column::JurisdictionId)
                .to(jurisdictions::Column::Id)
                .into(),
        )
        .filter(staff::Column::Role.eq(Role::Caseworker.as_str()))
        .filter(staff::Column::Disabled.eq(false))
        .filter(jurisdictions::Column::Path.is_in(ancestor_paths(&app.jurisdiction_path)))
        .filter(scope.filter(jurisdictions::Column::Path))
        .order_by_asc(staff::Column::Username)
        .limit(200)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, j)| j.map(|j| (s, j)))
        .collect())
}

/// The caseworkers a case may be assigned to.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = AssigneeList), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/staff/applications/{id}/assignees")]
pub async fn list(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let app = store::find_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(super::not_found)?;
    let items = candidates(&state.db, &me.scope, &app)
        .await?
        .into_iter()
        .map(|(s, j)| Assignee {
            id: s.id,
            name: s.display_name.unwrap_or(s.username),
            jurisdiction: JurisdictionNode::from(&j),
        })
        .collect();
    Ok(HttpResponse::Ok().json(AssigneeList { items }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_has_each_of_its_ancestors() {
        assert_eq!(
            ancestor_paths("/1/22/333/"),
            vec!["/1/", "/1/22/", "/1/22/333/"]
        );
    }
}
