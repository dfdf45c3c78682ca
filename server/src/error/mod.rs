//! The one error type of the service and its stable JSON body
//! `{"error":{"code","message","fields"}}`; framework errors are mapped onto it too.

mod app_error;
pub mod codes;
mod handlers;
mod response;
mod serde_text;

pub use app_error::{AppError, AppResult, FieldErrors, OnConstraint};
pub use codes::Code;
pub use handlers::{json_error, jsonify_errors, not_found_route, path_error, query_error};
pub use response::{ErrorBody, ErrorDetail};
pub use serde_text::serde_error;
