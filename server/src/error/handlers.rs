//! The framework's own errors in our JSON shape: extractor error handlers, the unknown-route
//! answer and a last-resort handler for plain-text error responses.

use actix_web::{
    HttpRequest, HttpResponse,
    body::MessageBody,
    dev::ServiceResponse,
    error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError},
    http::{StatusCode, header},
    middleware::ErrorHandlerResponse,
};

use super::{AppError, ErrorBody, codes, serde_error};

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
        _ => codes::MALFORMED_BODY.into(),
    };
    app.into()
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    codes::INVALID_QUERY
        .with(format!("查询参数有误:{err}"))
        .into()
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    codes::INVALID_PATH
        .with(format!("路径参数有误:{err}"))
        .into()
}

pub async fn not_found_route(req: HttpRequest) -> Result<HttpResponse, AppError> {
    // A documented path asked with another method: its own routes did not match.
    if req
        .app_data::<crate::http::KnownPaths>()
        .is_some_and(|k| k.contains(req.path()))
    {
        return Ok(HttpResponse::MethodNotAllowed().finish());
    }
    Err(codes::ROUTE_NOT_FOUND.into())
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
    let (req, res) = res.into_parts();
    let mut new = HttpResponse::build(status);
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let new = new.json(status_body(status)).map_into_right_body::<B>();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_body(|_, b| b),
    ))
}

/// The body for an error response the framework wrote itself, by status.
fn status_body(status: StatusCode) -> ErrorBody {
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "请求格式有误"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "请先登录"),
        StatusCode::FORBIDDEN => ("forbidden", "没有权限"),
        StatusCode::NOT_FOUND => (codes::ROUTE_NOT_FOUND.code, codes::ROUTE_NOT_FOUND.message),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "该接口不支持此请求方法"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "请求内容过大"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "不支持的内容类型"),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "请求超时"),
        s if s.is_server_error() => ("internal_error", "服务器内部错误,请稍后重试"),
        _ => ("request_failed", "请求失败"),
    };
    ErrorBody::new(code, message)
}
