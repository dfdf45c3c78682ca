//! Who an outbox event goes to: the payload names audiences (resident, caseworkers, street,
//! district) and the case's place in the tree; this turns them into people and channels.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use entity::{jurisdictions, outbox, staff};

use crate::{
    jurisdictions::domain::path_codes,
    notify::store::{NewDelivery, STAFF, WECHAT},
    staff::Role,
};

fn uuid_field(payload: &Value, key: &str) -> Option<Uuid> {
    payload
        .get(key)?
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// `/a/b/c/` → [`/a/`, `/a/b/`, `/a/b/c/`].
fn prefixes(path: &str) -> Vec<String> {
    let mut acc = String::from("/");
    path_codes(path)
        .into_iter()
        .map(|c| {
            acc.push_str(c);
            acc.push('/');
            acc.clone()
        })
        .collect()
}

async fn staff_at(
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

/// The deliveries an outbox row fans out to.
pub async fn resolve(
    db: &impl ConnectionTrait,
    row: &outbox::Model,
) -> Result<Vec<NewDelivery>, DbErr> {
    let payload = &row.payload;
    let audiences: Vec<&str> = payload
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut path = payload
        .get("jurisdiction_path")
        .and_then(Value::as_str)
        .map(str::to_string);
    if path.is_none()
        && let Some(community) = uuid_field(payload, "community_id")
    {
        path = jurisdictions::Entity::find_by_id(community)
            .one(db)
            .await?
            .map(|n| n.path);
    }
    let chain = path.as_deref().map(prefixes).unwrap_or_default();
    let application_id = (row.aggregate_type == "application").then_some(row.aggregate_id);
    let make = |channel: &'static str, kind: &'static str, id: Uuid| NewDelivery {
        outbox_id: row.id,
        application_id,
        aggregate_version: row.aggregate_version,
        event_type: row.event_type.clone(),
        channel,
        recipient_kind: kind,
        recipient_id: id,
    };
    let mut staff_ids = BTreeSet::new();
    let mut out = Vec::new();
    for audience in audiences {
        match audience {
            "resident" => {
                if let Some(resident) = uuid_field(payload, "resident_id") {
                    out.push(make(WECHAT, "resident", resident));
                }
            }
            "caseworkers" => match uuid_field(payload, "assignee_id") {
                Some(assignee) => {
                    staff_ids.insert(assignee);
                }
                None => {
                    let workers = staff_at(db, &chain, &[Role::Caseworker]).await?;
                    if workers.is_empty() {
                        // Nobody works this community (yet): its street hears of it rather
                        // than no one.
                        let street: Vec<String> = chain.get(2).cloned().into_iter().collect();
                        let fallback =
                            staff_at(db, &street, &[Role::Approver, Role::Supervisor]).await?;
                        if fallback.is_empty() {
                            tracing::warn!(event = %row.event_type, outbox = %row.id, "no caseworker or street staff to notify");
                        }
                        staff_ids.extend(fallback);
                    } else {
                        staff_ids.extend(workers);
                    }
                }
            },
            // The case's street: its approvers and supervisors (催办).
            "street" => {
                let street: Vec<String> = chain.get(2).cloned().into_iter().collect();
                staff_ids.extend(staff_at(db, &street, &[Role::Approver, Role::Supervisor]).await?);
            }
            // The case's district: its supervisors (督办).
            "district" => {
                let district: Vec<String> = chain.get(1).cloned().into_iter().collect();
                staff_ids.extend(staff_at(db, &district, &[Role::Supervisor]).await?);
            }
            other => {
                tracing::warn!(audience = other, event = %row.event_type, "unknown notification audience")
            }
        }
    }
    out.extend(staff_ids.into_iter().map(|id| make(STAFF, "staff", id)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_yields_each_ancestor_then_itself() {
        assert_eq!(
            super::prefixes("/120000/120101/120101001/"),
            ["/120000/", "/120000/120101/", "/120000/120101/120101001/"]
        );
        assert!(super::prefixes("").is_empty());
    }
}
