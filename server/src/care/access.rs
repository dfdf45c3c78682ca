//! Who may do what in grid care, and how staff appear on a person's timeline.

use crate::{
    auth::Staff,
    care::{catalogue::Catalogue, store::Actor},
    error::AppError,
    staff::Role,
};

/// Read the registry, visits and figures.
pub const READ: &[Role] = &[
    Role::Admin,
    Role::Supervisor,
    Role::Approver,
    Role::Caseworker,
    Role::GridWorker,
];
/// Register people and change their records.
pub const WRITE: &[Role] = &[Role::Admin, Role::Caseworker, Role::GridWorker];
/// Record visits and close help tasks: the people who go.
pub const VISIT: &[Role] = &[Role::Caseworker, Role::GridWorker];

pub fn actor(me: &Staff) -> Actor {
    Actor {
        kind: "staff",
        id: Some(me.id),
        label: format!("{}({}·{})", me.label(), me.role.label(), me.scope.name),
    }
}

pub fn not_found() -> AppError {
    AppError::not_found("care_person_not_found", "没有找到这位重点关爱对象")
}

pub fn stale() -> AppError {
    AppError::conflict("stale_version", "该人员信息已被他人更新,请刷新后重试")
}

pub fn bad_query(message: impl Into<String>) -> AppError {
    AppError::bad_request("invalid_query", message)
}

/// A group code of the catalogue, for filters.
pub fn known_group(catalogue: &Catalogue, code: &str) -> Result<String, AppError> {
    catalogue
        .group(code)
        .map(|g| g.code.clone())
        .ok_or_else(|| bad_query(format!("没有名为“{code}”的重点人群分组")))
}
