//! Who an outbox event goes to: the notice names audiences (resident, caseworkers, street,
//! district) and its place in the tree; this turns them into people and channels.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use entity::outbox;

use crate::{
    jurisdictions::{self as juris, domain::ancestor_paths},
    notify::store::{NewDelivery, STAFF, WECHAT},
    outbox::{Audience, Notice},
    staff::{self, Role},
};

/// The node at `depth` of the chain (1 = district, 2 = street), as a one-element list.
fn at(chain: &[String], depth: usize) -> Vec<String> {
    chain.get(depth).cloned().into_iter().collect()
}

/// The deliveries an outbox row fans out to.
pub async fn resolve(
    db: &impl ConnectionTrait,
    row: &outbox::Model,
    notice: &Notice,
) -> Result<Vec<NewDelivery>, DbErr> {
    let mut path = notice.jurisdiction_path.clone();
    if path.is_none()
        && let Some(community) = notice.community_id
    {
        path = juris::store::find_by_id(db, community)
            .await?
            .map(|n| n.path);
    }
    let chain = path.as_deref().map(ancestor_paths).unwrap_or_default();
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
    let street_staff = [Role::Approver, Role::Supervisor];
    let mut staff_ids = BTreeSet::new();
    let mut out = Vec::new();
    for audience in &notice.audiences {
        match audience {
            Audience::Resident => {
                if let Some(resident) = notice.resident_id {
                    out.push(make(WECHAT, "resident", resident));
                }
            }
            Audience::Caseworkers => match notice.assignee_id {
                Some(assignee) => {
                    staff_ids.insert(assignee);
                }
                None => {
                    // Grid workers sit on the chain only for notices placed at their grid.
                    let workers = staff::store::enabled_at_paths(
                        db,
                        &chain,
                        &[Role::Caseworker, Role::GridWorker],
                    )
                    .await?;
                    if workers.is_empty() {
                        // Nobody works this community (yet): its street hears of it rather
                        // than no one.
                        let fallback =
                            staff::store::enabled_at_paths(db, &at(&chain, 2), &street_staff)
                                .await?;
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
            Audience::Street => {
                staff_ids.extend(
                    staff::store::enabled_at_paths(db, &at(&chain, 2), &street_staff).await?,
                );
            }
            // The case's district: its supervisors (督办).
            Audience::District => {
                staff_ids.extend(
                    staff::store::enabled_at_paths(db, &at(&chain, 1), &[Role::Supervisor]).await?,
                );
            }
        }
    }
    out.extend(staff_ids.into_iter().map(|id| make(STAFF, "staff", id)));
    Ok(out)
}
