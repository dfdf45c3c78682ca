//! Serves the embedded console files with their content type, an `ETag` (every response is
//! revalidated: the files carry no content hash in their names) and the security headers.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use rust_embed::RustEmbed;

use crate::error::{AppError, AppResult};

/// `server/console/`: in release builds the files are compiled in; debug builds read them
/// from that folder, so an edit shows on reload.
#[derive(RustEmbed)]
#[folder = "console/"]
struct Assets;

/// No inline script or style, no `eval`, nothing from another origin; images may be `data:` or
/// `blob:` (QR codes fetched with the access token).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn secured(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    builder
}

fn serve(req: &HttpRequest, path: &str) -> AppResult<HttpResponse> {
    let file = Assets::get(path)
        .ok_or_else(|| AppError::not_found("route_not_found", "请求的文件不存在"))?;
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if fresh {
        return Ok(secured(HttpResponse::build(StatusCode::NOT_MODIFIED))
            .insert_header((header::ETAG, etag))
            .finish());
    }
    Ok(secured(HttpResponse::Ok())
        .content_type(content_type(path))
        .insert_header((header::ETAG, etag))
        .body(file.data.into_owned()))
}

/// A person who opens the service's address lands in the console.
pub async fn to_console() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/console/"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .finish()
}

pub async fn index(req: HttpRequest) -> AppResult<HttpResponse> {
    serve(&req, "index.html")
}

pub async fn asset(req: HttpRequest, tail: web::Path<String>) -> AppResult<HttpResponse> {
    // `..` never names an embedded file, but say no plainly rather than look it up.
    if tail.split('/').any(|s| s == ".." || s.is_empty()) {
        return Err(AppError::not_found("route_not_found", "请求的文件不存在"));
    }
    serve(&req, &tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_ships_its_page_and_modules() {
        assert!(Assets::get("index.html").is_some());
        assert!(Assets::get("js/main.js").is_some());
        assert_eq!(content_type("js/api.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("css/console.css"), "text/css; charset=utf-8");
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let file = Assets::get("index.html").expect("index.html is embedded");
        let html = String::from_utf8_lossy(&file.data);
        for forbidden in ["<script>", "style=", "onclick", "onload", "javascript:"] {
            assert!(!html.contains(forbidden), "index.html contains {forbidden}");
        }
        assert!(html.contains(r#"<script type="module" src="js/main.js"></script>"#));
    }
}
