//! Every error code answered in more than one place, with its HTTP status and its wording.
//! Call sites write `codes::INVALID_TOKEN.into()`; where the wording should name what exactly
//! was refused (which jurisdiction rule, which record), `codes::OUTSIDE_JURISDICTION.with(…)`
//! keeps the code and status and changes only the message.

use super::AppError;

/// Which kind of failure a code is, and so its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 400
    BadRequest,
    /// 401
    Unauthorized,
    /// 403
    Forbidden,
    /// 404
    NotFound,
    /// 409
    Conflict,
    /// 503
    Unavailable,
    /// 502
    Upstream,
}

/// An error code, its kind and its wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub kind: Kind,
    pub message: &'static str,
}

impl Code {
    const fn new(kind: Kind, code: &'static str, message: &'static str) -> Code {
        Code {
            code,
            kind,
            message,
        }
    }

    /// This code and status with a wording for this case.
    pub fn with(self, message: impl Into<String>) -> AppError {
        let (code, message) = (self.code, message.into());
        match self.kind {
            Kind::BadRequest => AppError::BadRequest { code, message },
            Kind::Unauthorized => AppError::Unauthorized { code, message },
            Kind::Forbidden => AppError::Forbidden { code, message },
            Kind::NotFound => AppError::NotFound { code, message },
            Kind::Conflict => AppError::Conflict {
                code,
                message,
                details: None,
            },
            Kind::Unavailable => AppError::Unavailable { code, message },
            Kind::Upstream => AppError::Upstream { code, message },
        }
    }
}

impl From<Code> for AppError {
    fn from(c: Code) -> AppError {
        c.with(c.message)
    }
}

use Kind::*;

// Sessions and signatures.
pub const MISSING_TOKEN: Code = Code::new(Unauthorized, "missing_token", "请先登录");
pub const INVALID_TOKEN: Code = Code::new(Unauthorized, "invalid_token", "登录凭证无效,请重新登录");
pub const TOKEN_EXPIRED: Code =
    Code::new(Unauthorized, "token_expired", "登录已过期,请刷新登录状态");
pub const INVALID_REFRESH_TOKEN: Code = Code::new(
    Unauthorized,
    "invalid_refresh_token",
    "登录已失效,请重新登录",
);
/// A live session of a disabled account ends (401).
pub const ACCOUNT_DISABLED: Code =
    Code::new(Unauthorized, "account_disabled", "账号已停用,请联系管理员");
/// A disabled account's correct password is refused (403: known, but not allowed in).
pub const ACCOUNT_DISABLED_AT_LOGIN: Code =
    Code::new(Forbidden, ACCOUNT_DISABLED.code, ACCOUNT_DISABLED.message);
pub const INVALID_SIGNATURE: Code = Code::new(Unauthorized, "invalid_signature", "签名校验失败");

// Permissions.
pub const ROLE_NOT_ALLOWED: Code =
    Code::new(Forbidden, "role_not_allowed", "您的角色无权执行此操作");
pub const OUTSIDE_JURISDICTION: Code =
    Code::new(Forbidden, "outside_jurisdiction", "只能处理本辖区内的事项");
pub const NOT_BELOW_OWN_JURISDICTION: Code = Code::new(
    Forbidden,
    "not_below_own_jurisdiction",
    "只能处理本辖区的下级区划",
);
pub const CITY_ADMIN_ONLY: Code = Code::new(Forbidden, "city_admin_only", "该项由市级管理员维护");

// Requests.
pub const MALFORMED_JSON: Code = Code::new(BadRequest, "malformed_json", "请求体不是有效的 JSON");
pub const MALFORMED_BODY: Code = Code::new(BadRequest, "malformed_body", "无法读取请求体");
pub const INVALID_QUERY: Code = Code::new(BadRequest, "invalid_query", "查询参数有误");
pub const INVALID_PATH: Code = Code::new(BadRequest, "invalid_path", "路径参数有误");
pub const INVALID_CURSOR: Code = Code::new(
    BadRequest,
    "invalid_cursor",
    "分页游标无效,请从第一页重新查询",
);
pub const ROUTE_NOT_FOUND: Code = Code::new(NotFound, "route_not_found", "请求的接口不存在");
pub const REQUEST_IN_PROGRESS: Code = Code::new(
    Conflict,
    "request_in_progress",
    "相同的请求正在处理,请稍后查看结果",
);

// Records.
pub const ENTRY_POINT_NOT_FOUND: Code =
    Code::new(NotFound, "entry_point_not_found", "入口二维码不存在");
pub const NOTIFICATION_NOT_FOUND: Code =
    Code::new(NotFound, "notification_not_found", "通知不存在");
pub const STALE_VERSION: Code =
    Code::new(Conflict, "stale_version", "内容已被他人更新,请刷新后重试");
pub const DUPLICATE_APPLICATION: Code = Code::new(
    Conflict,
    "duplicate_application",
    "该身份证号已有一件同类申请正在办理,请勿重复申请",
);
pub const INVALID_TRANSITION: Code = Code::new(
    Conflict,
    "invalid_transition",
    "申请当前的状态不允许这样操作",
);
pub const FOLLOW_UP_CLOSED: Code = Code::new(Conflict, "follow_up_closed", "这项回访已经结束");

// Outside services.
pub const PUSH_NOT_CONFIGURED: Code =
    Code::new(Unavailable, "push_not_configured", "未配置微信消息推送");
pub const WECHAT_UNAVAILABLE: Code =
    Code::new(Unavailable, "wechat_unavailable", "微信服务繁忙,请稍后重试");
pub const WECHAT_NOT_CONFIGURED: Code = Code::new(
    Unavailable,
    "wechat_not_configured",
    "未配置微信小程序,该功能暂不可用",
);
pub const WECHAT_ERROR: Code = Code::new(Upstream, "wechat_error", "微信服务返回错误,请稍后重试");

#[cfg(test)]
mod tests {
    use actix_web::{ResponseError, http::StatusCode};

    use super::*;

    #[test]
    fn a_code_keeps_its_status_and_takes_a_wording_for_the_case() {
        let err: AppError = INVALID_TOKEN.into();
        assert_eq!(err.status_code(), StatusCode::UNAUTHORIZED);
        assert_eq!(err.body().error.message, "登录凭证无效,请重新登录");
        let err = OUTSIDE_JURISDICTION.with("只能转办到本辖区内的社区");
        assert_eq!(err.status_code(), StatusCode::FORBIDDEN);
        assert_eq!(err.body().error.code, "outside_jurisdiction");
        assert_eq!(err.body().error.message, "只能转办到本辖区内的社区");
        let login: AppError = ACCOUNT_DISABLED_AT_LOGIN.into();
        assert_eq!(login.status_code(), StatusCode::FORBIDDEN);
        assert_eq!(login.body().error.code, "account_disabled");
    }
}
