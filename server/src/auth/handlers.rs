//! Staff login, resident login through WeChat, token refresh (rotation with reuse detection)
//! and logout.

use actix_web::{HttpRequest, HttpResponse, post, web};

use crate::{
    audit::{self, Actor, Entry},
    auth::{
        cookie,
        dto::{RefreshRequest, StaffLoginRequest, TokenResponse, WechatLoginRequest},
        jwt::Audience,
        password,
        store::{self, PrincipalKind, RotateError},
    },
    db,
    error::{AppError, AppResult, ErrorBody, codes},
    http::client_ip,
    staff,
    state::AppState,
    wechat::{ErrorClass, mask_openid},
};

fn invalid_credentials() -> AppError {
    AppError::unauthorized("invalid_credentials", "用户名或密码错误")
}

/// A typed username as it may be logged and stored: control characters (NUL, which PostgreSQL
/// refuses, or line breaks that would forge log lines) become U+FFFD.
fn printable(username: &str) -> String {
    username
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Staff login with username and password.
#[utoipa::path(
    tag = "auth",
    request_body = StaffLoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "wrong username or password", body = ErrorBody),
        (status = 403, description = "account disabled", body = ErrorBody),
        (status = 429, description = "too many failed attempts", body = ErrorBody),
    )
)]
#[post("/api/v1/auth/staff/login")]
pub async fn staff_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<StaffLoginRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    if body.refresh_cookie {
        cookie::require_client_header(&req)?;
    }
    let username = body.username.trim().to_lowercase();
    let ip = client_ip(&req, &state.settings);
    if username.is_empty()
        || body.password.is_empty()
        || username.len() > 64
        || body.password.len() > 256
    {
        return Err(invalid_credentials());
    }
    state.throttle.attempt(&username, &ip).await?;

    // No username holds a control character, and PostgreSQL cannot even compare one holding
    // NUL: such a name is an unknown account, checked like any other (same answer and timing).
    let account = if username.chars().any(char::is_control) {
        None
    } else {
        staff::store::find_by_username(&state.db, &username).await?
    };
    let ok = password::verify(
        body.password,
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await;
    let Some(account) = account.filter(|_| ok) else {
        let shown = printable(&username);
        tracing::warn!(username = %shown, ip = %ip, "staff login failed");
        audit::record(
            &state.db,
            Entry::new(Actor::Anonymous, "staff.login_failed")
                .target("staff_username", &shown)
                .ip(&ip),
        )
        .await?;
        return Err(invalid_credentials());
    };
    if account.disabled {
        tracing::warn!(username = %username, ip = %ip, "disabled staff account tried to log in");
        return Err(AppError::from(codes::ACCOUNT_DISABLED_AT_LOGIN));
    }
    state.throttle.success(&username, &ip).await;
    staff::store::touch_login(&state.db, account.id).await?;
    let (access, expires_in) = state.jwt.issue(Audience::Staff, account.id)?;
    let refresh_token = store::issue(
        &state.db,
        PrincipalKind::Staff,
        account.id,
        None,
        state.settings.auth.refresh_ttl,
    )
    .await?;
    audit::record(
        &state.db,
        Entry::new(Actor::Staff(account.id), "staff.login").ip(&ip),
    )
    .await?;
    tracing::info!(staff_id = %account.id, "staff logged in");
    Ok(token_answer(
        &state,
        access,
        refresh_token,
        expires_in,
        body.refresh_cookie,
    ))
}

/// The token pair, with the refresh token in the body or (`in_cookie`) only in the cookie.
fn token_answer(
    state: &AppState,
    access: String,
    refresh_token: String,
    expires_in: i64,
    in_cookie: bool,
) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    if in_cookie {
        cookie::set(&mut res, refresh_token, &state.settings);
        res.json(TokenResponse::bearer(access, None, expires_in))
    } else {
        res.json(TokenResponse::bearer(
            access,
            Some(refresh_token),
            expires_in,
        ))
    }
}

/// Resident login: exchanges a `wx.login()` code for our own session (the openid is the
/// resident's identity; WeChat's `session_key` is never stored nor returned). A code is tried
/// once: after a timeout the mini-program must call `wx.login()` again.
#[utoipa::path(
    tag = "auth",
    request_body = WechatLoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "`wechat_code_invalid`: the code is expired or used; call wx.login() again", body = ErrorBody),
        (status = 403, description = "`wechat_user_blocked`: WeChat's risk control blocked this user", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "too many logins from this address; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "WeChat busy or unreachable", body = ErrorBody),
    )
)]
#[post("/api/v1/auth/wechat/login")]
pub async fn wechat_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<WechatLoginRequest>,
) -> AppResult<HttpResponse> {
    // Each login costs a jscode2session call: a flood from one address must not use up the
    // mini-program's WeChat quota.
    let ip = client_ip(&req, &state.settings);
    state.limiter.flood_guard("wechat-login", &ip).await?;
    let code = body.code.trim();
    // Real codes are 32 characters; dev codes become `dev_{code}`, which must fit an openid.
    if code.is_empty()
        || code.len() > 60
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(AppError::field("code", "登录凭证无效,请重新登录"));
    }
    let session = match state.wechat.code2session(code).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(errcode = ?e.errcode(), rid = ?e.rid(), error = %e, "WeChat login failed");
            return Err(match e.class() {
                ErrorClass::CodeInvalid => {
                    AppError::unauthorized("wechat_code_invalid", "请重新登录")
                }
                ErrorClass::UserBlocked => AppError::forbidden(
                    "wechat_user_blocked",
                    "微信暂时限制了该账号登录,请拨打救助热线办理",
                ),
                _ => e.into(),
            });
        }
    };
    let txn = db::begin(&state.db).await?;
    let resident =
        crate::residents::store::upsert_login(&txn, &session.openid, session.unionid.as_deref())
            .await?;
    let refresh_token = store::issue(
        &txn,
        PrincipalKind::Resident,
        resident.id,
        None,
        state.settings.auth.refresh_ttl,
    )
    .await?;
    audit::record(
        &txn,
        Entry::new(Actor::Resident(resident.id), "resident.login").ip(&ip),
    )
    .await?;
    txn.commit().await?;
    let (access, expires_in) = state.jwt.issue(Audience::Resident, resident.id)?;
    tracing::info!(resident_id = %resident.id, openid = %mask_openid(&session.openid), "resident logged in");
    Ok(HttpResponse::Ok().json(TokenResponse::bearer(
        access,
        Some(refresh_token),
        expires_in,
    )))
}

/// The refresh token of a refresh or logout request: the body's, else the cookie's (which
/// needs the client header). The flag says whether the answer goes to the cookie.
fn presented_token(req: &HttpRequest, body: &RefreshRequest) -> AppResult<(Option<String>, bool)> {
    match body.refresh_token.as_deref().map(str::trim) {
        Some(t) => {
            if body.refresh_cookie {
                cookie::require_client_header(req)?;
            }
            Ok((Some(t.to_string()), body.refresh_cookie))
        }
        None => {
            let from_cookie = cookie::token(req);
            if from_cookie.is_some() {
                cookie::require_client_header(req)?;
            }
            Ok((from_cookie, true))
        }
    }
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a used
/// one revokes every token of its family. A staff session ends 30 days after its login.
/// Browser clients send `{}` (or `{"refresh_cookie": true}`) with the `X-Ztc-Client` header:
/// the token comes from the `ztc_refresh` cookie and the new one goes back into it; a refused
/// cookie is cleared.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "no token, unknown, expired or revoked token (`invalid_refresh_token`), a used token presented again (`refresh_token_reused`; the family is revoked), a staff session past its 30 days from login (`session_expired`), or a disabled account (`account_disabled`)", body = ErrorBody),
        (status = 403, description = "the cookie was used without the `X-Ztc-Client` header (`client_header_required`)", body = ErrorBody),
    )
)]
#[post("/api/v1/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let (token, in_cookie) = presented_token(&req, &body)?;
    match refresh_token(&state, token.as_deref().unwrap_or_default()).await {
        Ok((access, rotated, expires_in)) => {
            Ok(token_answer(&state, access, rotated, expires_in, in_cookie))
        }
        Err(e) if in_cookie => {
            // A refused cookie is useless: remove it along with the error.
            let mut res = actix_web::ResponseError::error_response(&e);
            res.add_removal_cookie(&cookie::removal(&state.settings))
                .map_err(|e| AppError::Internal(anyhow::anyhow!("cookie header: {e}")))?;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// Rotates a refresh token: the new access token, refresh token and lifetime.
async fn refresh_token(state: &AppState, raw: &str) -> AppResult<(String, String, i64)> {
    let rotated =
        match store::rotate(&state.db, raw.trim(), state.settings.auth.refresh_ttl).await? {
            Ok(r) => r,
            Err(RotateError::Reused) => {
                return Err(AppError::unauthorized(
                    "refresh_token_reused",
                    "登录凭证已被使用过,为安全起见已退出所有会话,请重新登录",
                ));
            }
            Err(RotateError::SessionExpired) => {
                return Err(AppError::unauthorized(
                    "session_expired",
                    "登录已超过 30 天,为安全起见请重新登录",
                ));
            }
            Err(RotateError::Invalid) => {
                return Err(AppError::unauthorized(
                    "invalid_refresh_token",
                    "登录已失效,请重新登录",
                ));
            }
        };
    let audience = match rotated.kind {
        PrincipalKind::Staff => {
            let active = staff::store::find_by_id(&state.db, rotated.principal_id)
                .await?
                .is_some_and(|s| !s.disabled);
            if !active {
                store::revoke_family(&state.db, rotated.family_id).await?;
                return Err(AppError::from(codes::ACCOUNT_DISABLED));
            }
            Audience::Staff
        }
        PrincipalKind::Resident => {
            if crate::residents::store::find_by_id(&state.db, rotated.principal_id)
                .await?
                .is_none()
            {
                store::revoke_family(&state.db, rotated.family_id).await?;
                return Err(AppError::from(codes::INVALID_REFRESH_TOKEN));
            }
            Audience::Resident
        }
    };
    let (access, expires_in) = state.jwt.issue(audience, rotated.principal_id)?;
    Ok((access, rotated.token, expires_in))
}

/// Ends the session the refresh token belongs to (every token of its family). Unknown tokens
/// are accepted silently. Browser clients send `{}` with the `X-Ztc-Client` header: the
/// token is read from the `ztc_refresh` cookie, which is cleared.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "session ended"),
        (status = 403, description = "the cookie was used without the `X-Ztc-Client` header (`client_header_required`)", body = ErrorBody),
    )
)]
#[post("/api/v1/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let (token, in_cookie) = presented_token(&req, &body)?;
    if let Some(t) = token {
        store::revoke_family_of(&state.db, t.trim()).await?;
    }
    let mut res = HttpResponse::NoContent();
    if in_cookie {
        cookie::clear(&mut res, &state.settings);
    }
    Ok(res.finish())
}
