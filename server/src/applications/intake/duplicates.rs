//! The one-open-case guard: one open case per ID number (blind index) and assistance type.
//! The existing case is named only to someone who may open it.

use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

use entity::applications;

use crate::{
    error::{AppError, AppResult, codes},
    jurisdictions::Scope,
};

/// Who is told the id of the case a duplicate collides with: only someone who may open it.
#[derive(Clone, Copy)]
pub enum Viewer<'a> {
    Resident(Uuid),
    Staff(&'a Scope),
    Nobody,
}

impl Viewer<'_> {
    fn may_see(self, app: &applications::Model) -> bool {
        match self {
            Viewer::Resident(id) => app.resident_id == Some(id),
            Viewer::Staff(scope) => scope.contains(&app.jurisdiction_path),
            Viewer::Nobody => false,
        }
    }
}

/// The refusal of a second open case of one type for one ID number; anyone who may not open
/// the existing case learns no more than that one exists.
pub fn duplicate(existing: &applications::Model, viewer: Viewer<'_>) -> AppError {
    AppError::from(codes::DUPLICATE_APPLICATION).with_details(
        viewer
            .may_see(existing)
            .then(|| json!({ "existing_id": existing.id })),
    )
}

/// Someone on the roll of this type (a 低保 or 特困 person registered in grid care) already
/// receives it: a new application is a duplicate, naming the record only to staff who may see it.
pub async fn refuse_if_on_roll(
    db: &impl ConnectionTrait,
    id_bidx: &str,
    kind: &str,
    viewer: Viewer<'_>,
) -> AppResult<()> {
    let Some((person_id, path)) = crate::care::store::on_roll(db, id_bidx, kind).await? else {
        return Ok(());
    };
    let visible = matches!(viewer, Viewer::Staff(scope) if scope.contains(&path));
    Err(AppError::Conflict {
        code: "already_on_roll",
        message:
            "该身份证号的人员已在保障名册中,正在享受该项救助,无需重复申请;情况有变化请联系社区"
                .into(),
        details: visible.then(|| json!({ "existing_person_id": person_id })),
    })
}

/// The one-open-case key: an ID number (blind index) and an assistance type.
pub fn open_key(id_bidx: &str, kind: &str) -> String {
    format!("{id_bidx}:{kind}")
}
