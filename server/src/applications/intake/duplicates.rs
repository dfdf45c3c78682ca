//! The one-open-case guard: one open case per ID number (blind index) and assistance type.
//! The existing case is named only to someone who may open it.

use serde_json::json;
use uuid::Uuid;

use entity::applications;

use crate::{
    error::{AppError, codes},
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

/// The one-open-case key: an ID number (blind index) and an assistance type.
pub fn open_key(id_bidx: &str, kind: &str) -> String {
    format!("{id_bidx}:{kind}")
}
