//! The memberships behind the per-street figures.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use entity::care_memberships;

/// (person, group, tier) for every membership of these people.
pub async fn membership_rows(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> Result<Vec<(Uuid, String, i32)>, DbErr> {
    let mut out = Vec::new();
    for chunk in people.chunks(500) {
        let rows: Vec<(Uuid, String, i32)> = care_memberships::Entity::find()
            .select_only()
            .column(care_memberships::Column::PersonId)
            .column(care_memberships::Column::GroupCode)
            .column(care_memberships::Column::Tier)
            .filter(care_memberships::Column::PersonId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// (id, place, due day) of the active people inside `scope` (and `subtree`).
pub async fn active_people(
    db: &impl ConnectionTrait,
    scope: &crate::jurisdictions::Scope,
    subtree: Option<&str>,
) -> Result<Vec<(Uuid, String, chrono::NaiveDate)>, DbErr> {
    use entity::{
        care_enums::PersonStatus,
        care_people::{self, Column as C},
    };
    let mut q = care_people::Entity::find()
        .select_only()
        .column(C::Id)
        .column(C::JurisdictionPath)
        .column(C::VisitDueOn)
        .filter(scope.filter(C::JurisdictionPath))
        .filter(C::Status.eq(PersonStatus::Active));
    if let Some(p) = subtree {
        q = q.filter(C::JurisdictionPath.starts_with(p));
    }
    q.into_tuple().all(db).await
}
