//! Open cases of the caller's subtree counted by street (街道/乡镇): how many are at risk,
//! past their limit, and escalated (催办 or 督办). A supervisor's first look each morning.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use entity::{applications, jurisdictions};

use crate::{
    applications::workflow::Status,
    auth::Staff,
    error::{AppResult, ErrorBody},
    jurisdictions::{JurisdictionNode, domain::path_codes},
    state::AppState,
};

#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
pub struct StreetLoad {
    /// `null` for cases filed above any street.
    pub street: Option<JurisdictionNode>,
    pub open: u64,
    pub at_risk: u64,
    pub breached: u64,
    /// 催办 (street) or 督办 (district) sent.
    pub escalated: u64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Overview {
    /// In street-code order.
    pub streets: Vec<StreetLoad>,
    pub total: StreetLoad,
}

/// Open cases inside the caller's subtree, counted by street.
#[utoipa::path(
    tag = "applications",
    security(("bearer" = [])),
    responses((status = 200, body = Overview), (status = 401, body = ErrorBody))
)]
#[get("/api/v1/staff/applications/overview")]
pub async fn get(state: web::Data<AppState>, me: Staff) -> AppResult<HttpResponse> {
    let open: Vec<&str> = Status::ALL
        .into_iter()
        .filter(|s| s.is_open() && *s != Status::Draft)
        .map(Status::as_str)
        .collect();
    let rows: Vec<(String, String, i32)> = applications::Entity::find()
        .select_only()
        .column(applications::Column::JurisdictionPath)
        .column(applications::Column::SlaState)
        .column(applications::Column::EscalationLevel)
        .filter(me.scope.filter(applications::Column::JurisdictionPath))
        .filter(applications::Column::Status.is_in(open))
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut by_street: BTreeMap<Option<String>, StreetLoad> = BTreeMap::new();
    let mut total = StreetLoad::default();
    for (path, sla, level) in &rows {
        let street = path_codes(path).get(2).map(|c| c.to_string());
        let entry = by_street.entry(street).or_default();
        for load in [&mut *entry, &mut total] {
            load.open += 1;
            load.at_risk += u64::from(sla == "at_risk");
            load.breached += u64::from(sla == "breached");
            load.escalated += u64::from(*level >= 2);
        }
    }
    let codes: Vec<String> = by_street.keys().flatten().cloned().collect();
    let nodes: BTreeMap<String, jurisdictions::Model> = if codes.is_empty() {
        BTreeMap::new()
    } else {
        jurisdictions::Entity::find()
            .filter(jurisdictions::Column::Code.is_in(codes))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|n| (n.code.clone(), n))
            .collect()
    };
    let streets = by_street
        .into_iter()
        .map(|(code, mut load)| {
            load.street = code.and_then(|c| nodes.get(&c)).map(JurisdictionNode::from);
            load
        })
        .collect();
    Ok(HttpResponse::Ok().json(Overview { streets, total }))
}
