//! The outbox notice of a case event: the case's place, people and wording (type, community,
//! status label), written in the change's transaction.

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use entity::{applications, assistance_types, jurisdictions};

use crate::{
    applications::views::status,
    assistance, jurisdictions as juris,
    outbox::{self, Audience, Notice, OutboxEvent},
};

/// The display names a notice carries, so that its readers need not look them up.
#[derive(Debug, Clone, Default)]
pub struct CaseNames {
    pub assistance_type: String,
    pub community: String,
}

impl CaseNames {
    pub fn of(kind: &assistance_types::Model, community: &jurisdictions::Model) -> CaseNames {
        CaseNames {
            assistance_type: kind.name.clone(),
            community: community.name.clone(),
        }
    }

    /// Looks up what the caller does not have at hand.
    pub async fn load(
        db: &impl ConnectionTrait,
        app: &applications::Model,
        kind: Option<&assistance_types::Model>,
    ) -> Result<CaseNames, DbErr> {
        let assistance_type = match kind {
            Some(k) => k.name.clone(),
            None => assistance::store::find(db, &app.assistance_type)
                .await?
                .map(|t| t.name)
                .unwrap_or_else(|| app.assistance_type.clone()),
        };
        let community = juris::store::find_by_id(db, app.community_id)
            .await?
            .map(|n| n.name)
            .unwrap_or_default();
        Ok(CaseNames {
            assistance_type,
            community,
        })
    }
}

/// A notice about `app` for `audiences`; the caller adds what the event says (items, reason,
/// amount, note).
pub fn about(app: &applications::Model, names: &CaseNames, audiences: &[Audience]) -> Notice {
    Notice {
        application_id: Some(app.id),
        reference: Some(app.reference.clone()),
        assistance_type: Some(app.assistance_type.clone()),
        assistance_type_name: Some(names.assistance_type.clone()),
        status: Some(app.status.clone()),
        status_label: Some(status(app).label().into()),
        community_id: Some(app.community_id),
        community_name: Some(names.community.clone()),
        jurisdiction_path: Some(app.jurisdiction_path.clone()),
        resident_id: app.resident_id,
        assignee_id: app.assignee_id,
        urgent: app.urgent,
        ..Notice::to(audiences)
    }
}

/// Queues `notice` as the case event `application.{event}`.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    app: &applications::Model,
    event: &str,
    notice: Notice,
) -> Result<Uuid, DbErr> {
    outbox::enqueue(
        db,
        OutboxEvent {
            aggregate_type: "application",
            aggregate_id: app.id,
            aggregate_version: app.version,
            event_type: format!("application.{event}"),
            notice,
        },
    )
    .await
}
