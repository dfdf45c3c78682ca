//! The error type every handler returns, with constructors for the common kinds.

use std::collections::BTreeMap;

use sea_orm::{DbErr, SqlErr};

pub type AppResult<T> = Result<T, AppError>;

/// Field name → message a person can act on.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 422: the body parsed but its content is not acceptable; every failing field is listed.
    #[error("validation failed: {message}")]
    Validation {
        message: String,
        fields: FieldErrors,
    },
    /// 400: the request itself is malformed (syntax, path, query).
    #[error("bad request ({code}): {message}")]
    BadRequest { code: &'static str, message: String },
    #[error("unauthorized ({code})")]
    Unauthorized { code: &'static str, message: String },
    #[error("forbidden ({code})")]
    Forbidden { code: &'static str, message: String },
    #[error("not found ({code})")]
    NotFound { code: &'static str, message: String },
    /// 409, optionally carrying machine-readable details such as the id of what already exists.
    #[error("conflict ({code}): {message}")]
    Conflict {
        code: &'static str,
        message: String,
        details: Option<serde_json::Value>,
    },
    /// 422 without per-field errors (e.g. a rule about the request as a whole).
    #[error("unprocessable ({code}): {message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType { message: String },
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// 503 from the readiness check; `fields` names each unreachable dependency.
    #[error("not ready")]
    NotReady { fields: FieldErrors },
    #[error("service unavailable ({code})")]
    Unavailable { code: &'static str, message: String },
    /// 502: an upstream API (WeChat) failed in a way the caller cannot fix.
    #[error("upstream failure ({code}): {message}")]
    Upstream { code: &'static str, message: String },
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn validation(fields: FieldErrors) -> Self {
        AppError::Validation {
            message: "提交的内容有误,请按提示修改".into(),
            fields,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.to_string(), message.into());
        Self::validation(fields)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        AppError::NotFound {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Unauthorized {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Unprocessable {
            code,
            message: message.into(),
        }
    }

    /// A conflict with machine-readable details (e.g. `{"existing_id": …}`); other kinds of
    /// error carry none and are returned unchanged.
    pub fn with_details(self, details: Option<serde_json::Value>) -> Self {
        match self {
            AppError::Conflict { code, message, .. } => AppError::Conflict {
                code,
                message,
                details,
            },
            other => other,
        }
    }
}

/// Maps a unique-constraint violation to a 409 next to the query that caused it.
pub trait OnConstraint<T> {
    fn on_unique(self, code: &'static str, message: &str) -> AppResult<T>;
}

impl<T> OnConstraint<T> for Result<T, DbErr> {
    fn on_unique(self, code: &'static str, message: &str) -> AppResult<T> {
        self.map_err(|e| match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::conflict(code, message),
            _ => AppError::Database(e),
        })
    }
}
