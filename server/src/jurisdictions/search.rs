//! Finding a node by part of its name, inside the caller's subtree: an operator types 福安 and
//! picks 福安社区 (和平区 › 劝业场街道) without knowing its code.

use actix_web::{HttpResponse, get, web};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::jurisdictions;

use crate::{
    auth::Staff,
    db,
    error::{AppError, AppResult, ErrorBody},
    jurisdictions::{Level, domain::path_codes},
    state::AppState,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of the name (or the start of the code), 1–32 characters, taken literally.
    pub q: String,
    /// Only nodes of this level, e.g. `community`.
    pub level: Option<Level>,
    /// 1–50, default 20.
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchHit {
    pub code: String,
    pub name: String,
    pub level: Level,
    /// The names above it, from the district down: `和平区 › 劝业场街道`.
    pub context: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHit>,
}

/// Nodes inside the caller's subtree whose name contains `q` (or whose code starts with it),
/// shortest names first.
#[utoipa::path(
    tag = "jurisdictions",
    security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 422, body = ErrorBody))
)]
#[get("/api/v1/staff/jurisdictions")]
pub async fn search(
    state: web::Data<AppState>,
    me: Staff,
    query: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    let text = query.q.trim();
    let n = text.chars().count();
    if n == 0 || n > 32 || text.chars().any(char::is_control) {
        return Err(AppError::field("q", "请输入 1–32 个字的名称"));
    }
    let limit = crate::http::cursor::limit(query.limit, 20, 50);
    let mut matches = Condition::any().add(db::contains_text(
        (jurisdictions::Entity, jurisdictions::Column::Name),
        text,
    ));
    if text.chars().all(|c| c.is_ascii_alphanumeric()) {
        matches = matches.add(jurisdictions::Column::Code.starts_with(text.to_ascii_uppercase()));
    }
    let mut q = jurisdictions::Entity::find()
        .filter(me.scope.filter(jurisdictions::Column::Path))
        .filter(matches);
    if let Some(level) = query.level {
        q = q.filter(jurisdictions::Column::Level.eq(level.as_str()));
    }
    let rows = q
        .order_by_asc(jurisdictions::Column::Path)
        .limit(200)
        .all(&state.db)
        .await?;
    let mut rows: Vec<_> = rows.into_iter().collect();
    rows.sort_by_key(|r| (r.name.chars().count(), r.path.clone()));
    rows.truncate(limit as usize);
    // Names of every ancestor, in one query.
    let mut codes: Vec<String> = rows
        .iter()
        .flat_map(|r| path_codes(&r.path).into_iter().map(str::to_string))
        .collect();
    codes.sort();
    codes.dedup();
    let names: std::collections::HashMap<String, String> = if codes.is_empty() {
        Default::default()
    } else {
        jurisdictions::Entity::find()
            .filter(jurisdictions::Column::Code.is_in(codes))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|n| (n.code, n.name))
            .collect()
    };
    let items = rows
        .iter()
        .map(|r| {
            let codes = path_codes(&r.path);
            // Skip the city (everyone's root) and the node itself.
            let context = codes
                .iter()
                .skip(1)
                .take(codes.len().saturating_sub(2))
                .filter_map(|c| names.get(*c).cloned())
                .collect::<Vec<_>>()
                .join(" › ");
            SearchHit {
                code: r.code.clone(),
                name: r.name.clone(),
                level: Level::parse(&r.level).unwrap_or(Level::Grid),
                context,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(SearchResults { items }))
}
