//! The one error type of the service and its stable JSON body
//! `{"error":{"code","message","fields"}}`; framework errors are mapped onto it too.

use std::collections::BTreeMap;

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    body::{BoxBody, MessageBody},
    dev::ServiceResponse,
    error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError},
    http::{StatusCode, header},
    middleware::ErrorHandlerResponse,
};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

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

    fn code(&self) -> &'static str {
        match self {
            AppError::Validation { .. } => "validation_failed",
            AppError::BadRequest { code, .. }
            | AppError::Unauthorized { code, .. }
            | AppError::Forbidden { code, .. }
            | AppError::NotFound { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::Unprocessable { code, .. }
            | AppError::Unavailable { code, .. }
            | AppError::Upstream { code, .. } => code,
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType { .. } => "unsupported_media_type",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::NotReady { .. } => "not_ready",
            AppError::Database(e) if is_unavailable(e) => "database_unavailable",
            AppError::Database(e) if is_unstorable_text(e) => "invalid_characters",
            AppError::Database(_) | AppError::Internal(_) => "internal_error",
        }
    }

    fn public_message(&self) -> String {
        match self {
            AppError::Validation { message, .. }
            | AppError::BadRequest { message, .. }
            | AppError::Unauthorized { message, .. }
            | AppError::Forbidden { message, .. }
            | AppError::NotFound { message, .. }
            | AppError::Conflict { message, .. }
            | AppError::Unprocessable { message, .. }
            | AppError::UnsupportedMediaType { message }
            | AppError::Unavailable { message, .. }
            | AppError::Upstream { message, .. } => message.clone(),
            AppError::PayloadTooLarge => "请求内容过大".into(),
            AppError::TooManyRequests { retry_after_secs } => {
                format!("操作过于频繁,请在 {retry_after_secs} 秒后重试")
            }
            AppError::NotReady { .. } => "服务尚未就绪".into(),
            AppError::Database(e) if is_unavailable(e) => "服务暂时不可用,请稍后重试".into(),
            AppError::Database(e) if is_unstorable_text(e) => {
                "输入中含有无法识别的字符(如空字符),请删除后重试".into()
            }
            AppError::Database(_) | AppError::Internal(_) => "服务器内部错误,请稍后重试".into(),
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
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.public_message(),
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

/// Turns serde's English wording into a field map with Chinese messages.
fn describe_serde_error(msg: &str) -> (String, FieldErrors) {
    let quoted = msg.split('`').nth(1).map(str::to_string);
    let mut fields = FieldErrors::new();
    let summary = if msg.starts_with("missing field") {
        if let Some(f) = &quoted {
            fields.insert(f.clone(), "必填项不能为空".into());
        }
        "缺少必填项"
    } else if msg.starts_with("unknown field") {
        if let Some(f) = &quoted {
            fields.insert(f.clone(), "不允许提交该字段".into());
        }
        "包含不允许的字段"
    } else if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        "字段类型或取值不正确"
    } else if msg.starts_with("unknown variant") {
        "字段取值不在允许范围内"
    } else {
        "请求内容不符合要求"
    };
    (format!("{summary}:{}", without_value(msg)), fields)
}

/// serde quotes the offending value (`invalid type: integer `110105…`, expected a string`);
/// the message is logged with the error, so the value — possibly an ID or phone number sent
/// as a number — is left out. Field names (missing, unknown) are kept.
fn without_value(msg: &str) -> String {
    let quotes_a_value = [
        "invalid type",
        "invalid value",
        "unknown variant",
        "invalid length",
    ]
    .iter()
    .any(|p| msg.starts_with(p));
    if !quotes_a_value {
        return msg.to_string();
    }
    match (
        msg.find(" `"),
        msg.find('`')
            .and_then(|i| msg[i + 1..].find('`').map(|j| i + 1 + j)),
    ) {
        (Some(start), Some(end)) if start < end => format!("{}{}", &msg[..start], &msg[end + 1..]),
        _ => msg.to_string(),
    }
}

/// A body that is JSON but not the expected shape.
pub fn serde_error(e: &serde_json::Error) -> AppError {
    if e.is_data() {
        let (message, fields) = describe_serde_error(&e.to_string());
        AppError::Validation { message, fields }
    } else {
        AppError::bad_request("malformed_json", "请求体不是有效的 JSON")
    }
}

pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let app = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType {
            message: "请使用 Content-Type: application/json 提交".into(),
        },
        JsonPayloadError::Deserialize(e) => serde_error(e),
        JsonPayloadError::Payload(PayloadError::Overflow) => AppError::PayloadTooLarge,
        _ => AppError::bad_request("malformed_body", "无法读取请求体"),
    };
    app.into()
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::bad_request("invalid_query", format!("查询参数有误:{err}")).into()
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::bad_request("invalid_path", format!("路径参数有误:{err}")).into()
}

pub async fn not_found_route() -> Result<HttpResponse, AppError> {
    Err(AppError::not_found("route_not_found", "请求的接口不存在"))
}

/// Last line of defence: any error response that is not already our JSON (405, framework
/// plain-text errors) gets the standard body with a code derived from its status.
pub fn jsonify_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_ours = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    // HTML error pages are deliberate (the QR landing page's 404 for phone browsers); the
    // framework's own errors are plain text.
    if is_ours {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "请求格式有误"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "请先登录"),
        StatusCode::FORBIDDEN => ("forbidden", "没有权限"),
        StatusCode::NOT_FOUND => ("route_not_found", "请求的接口不存在"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "该接口不支持此请求方法"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "请求内容过大"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "不支持的内容类型"),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "请求超时"),
        s if s.is_server_error() => ("internal_error", "服务器内部错误,请稍后重试"),
        _ => ("request_failed", "请求失败"),
    };
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message: message.into(),
            fields: FieldErrors::new(),
            details: None,
        },
    };
    let (req, res) = res.into_parts();
    let mut new = HttpResponse::build(status);
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let new = new.json(body).map_into_right_body::<B>();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_body(|_, b| b),
    ))
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

    #[test]
    fn serde_messages_become_field_errors() {
        let (msg, fields) = describe_serde_error("missing field `username` at line 1 column 2");
        assert!(msg.starts_with("缺少必填项"));
        assert_eq!(
            fields.get("username").map(String::as_str),
            Some("必填项不能为空")
        );
        let (_, fields) = describe_serde_error("unknown field `status`, expected one of `a`");
        assert!(fields.contains_key("status"));
        // The value itself is not repeated: the message ends up in the log.
        let (msg, _) = describe_serde_error(
            "invalid type: integer `110105194912310021`, expected a string at line 1 column 40",
        );
        assert!(!msg.contains("110105194912310021"), "{msg}");
        assert!(
            msg.contains("invalid type: integer, expected a string"),
            "{msg}"
        );
        let (msg, _) = describe_serde_error("unknown variant `13812345678`, expected `a` or `b`");
        assert!(!msg.contains("13812345678"), "{msg}");
    }
}
