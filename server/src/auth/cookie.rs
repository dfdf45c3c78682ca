//! The refresh token as an HttpOnly cookie, for the browser console: page script never sees
//! it. The cookie is `SameSite=Strict`, scoped to `/api/v1/auth` and `Secure` in production;
//! a request that relies on it must also carry `X-Ztc-Client: console` and a JSON body, which
//! a cross-site form cannot send without a CORS preflight this service never grants.

use actix_web::{
    HttpRequest, HttpResponseBuilder,
    cookie::{Cookie, SameSite, time},
};

use crate::{config::Settings, error::AppError};

pub const NAME: &str = "ztc_refresh";
pub const PATH: &str = "/api/v1/auth";
/// The header a cookie-relying request must carry (any value works; the console sends
/// `console`). Browsers only let a page set it on a same-origin request.
pub const CLIENT_HEADER: &str = "x-ztc-client";

fn base(value: String, settings: &Settings) -> Cookie<'static> {
    Cookie::build(NAME, value)
        .path(PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(settings.is_production())
        .finish()
}

/// Sets the cookie to `token` for the refresh-token lifetime.
pub fn set(builder: &mut HttpResponseBuilder, token: String, settings: &Settings) {
    let mut c = base(token, settings);
    c.set_max_age(time::Duration::seconds(
        settings.auth.refresh_ttl.as_secs() as i64
    ));
    builder.cookie(c);
}

/// The cookie that removes ours (same name, path and flags).
pub fn removal(settings: &Settings) -> Cookie<'static> {
    base(String::new(), settings)
}

/// Removes the cookie.
pub fn clear(builder: &mut HttpResponseBuilder, settings: &Settings) {
    let mut c = removal(settings);
    c.make_removal();
    builder.cookie(c);
}

/// 403 unless the request carries the client header: cookie mode is for the console only.
pub fn require_client_header(req: &HttpRequest) -> Result<(), AppError> {
    if req.headers().contains_key(CLIENT_HEADER) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "client_header_required",
            "使用登录 Cookie 的请求须带 X-Ztc-Client 请求头",
        ))
    }
}

/// The refresh token of the cookie, if any.
pub fn token(req: &HttpRequest) -> Option<String> {
    req.cookie(NAME)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}
