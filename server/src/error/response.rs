//! How an [`AppError`] answers: its status, its stable JSON body, and generic wording for
//! anything that is our fault (the cause goes to the log only).

use actix_web::{
    HttpResponse, ResponseError,
    body::BoxBody,
    http::{StatusCode, header},
};
use sea_orm::DbErr;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppError, FieldErrors};

/// The stable error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code for programs.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// A message for people (Chinese).
    pub message: String,
    /// Per-field messages; empty when the error is not about fields.
    pub fields: FieldErrors,
    /// Extra machine-readable context, e.g. `{"existing_id": "…"}` on a duplicate.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl ErrorBody {
    pub fn new(code: &str, message: &str) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
                fields: FieldErrors::new(),
                details: None,
            },
        }
    }
}

impl AppError {
    /// The stable code and the wording a client may see; nothing of ours leaks past a 5xx.
    fn public(&self) -> (&'static str, String) {
        match self {
            AppError::Validation { message, .. } => ("validation_failed", message.clone()),
            AppError::BadRequest { code, message }
            | AppError::Unauthorized { code, message }
            | AppError::Forbidden { code, message }
            | AppError::NotFound { code, message }
            | AppError::Conflict { code, message, .. }
            | AppError::Unprocessable { code, message }
            | AppError::Unavailable { code, message }
            | AppError::Upstream { code, message } => (code, message.clone()),
            AppError::PayloadTooLarge => ("payload_too_large", "请求内容过大".into()),
            AppError::UnsupportedMediaType { message } => {
                ("unsupported_media_type", message.clone())
            }
            AppError::TooManyRequests { retry_after_secs } => (
                "too_many_requests",
                format!("操作过于频繁,请在 {retry_after_secs} 秒后重试"),
            ),
            AppError::NotReady { .. } => ("not_ready", "服务尚未就绪".into()),
            AppError::Database(e) if is_unavailable(e) => {
                ("database_unavailable", "服务暂时不可用,请稍后重试".into())
            }
            AppError::Database(e) if is_unstorable_text(e) => (
                "invalid_characters",
                "输入中含有无法识别的字符(如空字符),请删除后重试".into(),
            ),
            AppError::Database(_) | AppError::Internal(_) => {
                ("internal_error", "服务器内部错误,请稍后重试".into())
            }
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (fields, details) = match self {
            AppError::Validation { fields, .. } | AppError::NotReady { fields } => {
                (fields.clone(), None)
            }
            AppError::Conflict { details, .. } => (FieldErrors::new(), details.clone()),
            _ => (FieldErrors::new(), None),
        };
        let (code, message) = self.public();
        ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                fields,
                details,
            },
        }
    }
}

fn is_unavailable(e: &DbErr) -> bool {
    matches!(e, DbErr::ConnectionAcquire(_) | DbErr::Conn(_))
}

/// PostgreSQL refuses a NUL character in text (SQLSTATE 22021, "invalid byte sequence"); SQLite
/// stores it. Input that reaches the database with one is the client's mistake, not ours: a
/// backstop for paths whose validation does not already refuse control characters.
fn is_unstorable_text(e: &DbErr) -> bool {
    e.to_string().contains("invalid byte sequence")
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation { .. } | AppError::Unprocessable { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable { .. } | AppError::NotReady { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Upstream { .. } => StatusCode::BAD_GATEWAY,
            AppError::Database(e) if is_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(e) if is_unstorable_text(e) => StatusCode::BAD_REQUEST,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let status = self.status_code();
        if status.is_server_error() {
            // The cause chain goes to the log only; the body stays generic.
            tracing::error!(error.cause_chain = ?self, error.message = %self, "request failed");
        }
        let mut builder = HttpResponse::build(status);
        if let AppError::TooManyRequests { retry_after_secs } = self {
            builder.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let AppError::Unauthorized { .. } = self {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        builder.json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_never_expose_their_cause() {
        let err = AppError::Internal(anyhow::anyhow!("password=hunter2 at db.internal:5432"));
        let body = serde_json::to_string(&err.body()).unwrap();
        assert!(!body.contains("hunter2"));
        assert!(body.contains("internal_error"));
        assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
