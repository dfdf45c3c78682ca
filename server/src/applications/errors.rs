//! The case core's refusals that several paths share.

use crate::error::{AppError, codes};

/// The answer for a case that does not exist or is not the caller's to see.
pub fn not_found() -> AppError {
    AppError::not_found("application_not_found", "没有找到这件申请")
}

/// Someone else changed the case since the caller read it.
pub fn stale() -> AppError {
    codes::STALE_VERSION.with("该申请已被他人更新,请刷新后重试")
}
