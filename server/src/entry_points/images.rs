//! QR images of an entry point: the 小程序码 (fetched from WeChat once, then cached in the
//! database), the URL QR code made here, and the printable poster.

use actix_web::{HttpResponse, get, http::header, web};
use uuid::Uuid;

use crate::{
    auth::Staff,
    entry_points::{
        dto::{QrFormat, QrKind, QrQuery, landing_url},
        handlers::find,
        render, store,
    },
    error::{AppError, AppResult, ErrorBody},
    jurisdictions::{self, JurisdictionNode},
    state::AppState,
    wechat::{ErrorClass, WxaCodeRequest},
};

/// Width WeChat is asked for (280–1280): large enough to print.
const WXACODE_WIDTH: u32 = 860;

fn image(content_type: &str, filename: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}\""),
        ))
        .body(bytes)
}

fn url_code(url: &str, scene: &str, format: QrFormat) -> AppResult<HttpResponse> {
    Ok(match format {
        QrFormat::Png => image("image/png", &format!("{scene}.png"), render::qr_png(url)?),
        QrFormat::Svg => image(
            "image/svg+xml",
            &format!("{scene}.svg"),
            render::qr_svg(url)?.into_bytes(),
        ),
    })
}

/// The QR code of an entry point. `kind=url` (default) encodes the landing URL
/// `{ZTC_PUBLIC_BASE_URL}/s/{scene}` as PNG or SVG; `kind=wxacode` is the 小程序码 opening
/// `WECHAT_QR_PAGE` with the scene, made by WeChat once and then served from the database (in
/// dev WeChat mode the URL code stands in, marked by `X-Ztc-Qr-Fallback: url`).
#[utoipa::path(
    tag = "entry_points",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), QrQuery),
    responses(
        (status = 200, description = "the image: PNG, SVG or (小程序码 only) JPEG", content_type = "image/png"),
        (status = 404, body = ErrorBody),
        (status = 422, description = "the 小程序码 has no SVG form", body = ErrorBody),
        (status = 502, description = "WeChat refused to make the 小程序码", body = ErrorBody),
    )
)]
#[get("/api/v1/admin/entry-points/{id}/qrcode")]
pub async fn qrcode(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
    q: web::Query<QrQuery>,
) -> AppResult<HttpResponse> {
    let entry = find(&state, &me, *id).await?;
    let kind = q.kind.unwrap_or(QrKind::Url);
    let format = q.format.unwrap_or(QrFormat::Png);
    let url = landing_url(&state.settings.public_base_url, &entry.scene);
    if kind == QrKind::Url {
        return url_code(&url, &entry.scene, format);
    }
    if format == QrFormat::Svg {
        return Err(AppError::field(
            "format",
            "小程序码由微信生成,只提供 PNG/JPEG 图片;矢量图请用 kind=url",
        ));
    }
    match wxacode(&state, &entry).await? {
        Some((content_type, bytes)) => Ok(image(
            &content_type,
            &format!("{}-wxacode", entry.scene),
            bytes,
        )),
        None => {
            let mut res = url_code(&url, &entry.scene, QrFormat::Png)?;
            res.headers_mut().insert(
                header::HeaderName::from_static("x-ztc-qr-fallback"),
                header::HeaderValue::from_static("url"),
            );
            Ok(res)
        }
    }
}

/// The entry point's 小程序码 (content type, bytes): cached, or made by WeChat once and
/// cached. `None` in dev WeChat mode, where there is no mini-program to open.
async fn wxacode(
    state: &AppState,
    entry: &entity::entry_points::Model,
) -> AppResult<Option<(String, Vec<u8>)>> {
    if state.wechat.is_dev() {
        return Ok(None);
    }
    let wechat = &state.settings.wechat;
    if let Some(cached) =
        store::cached_code(&state.db, entry.id, &wechat.qr_page, &wechat.qr_env_version).await?
    {
        return Ok(Some((cached.content_type, cached.image)));
    }
    let req = WxaCodeRequest {
        scene: entry.scene.clone(),
        page: wechat.qr_page.clone(),
        // Unpublished pages only resolve with check_path off (trial and develop builds).
        check_path: wechat.qr_env_version == "release",
        env_version: wechat.qr_env_version.clone(),
        width: WXACODE_WIDTH,
    };
    let img = match state.wechat.wxacode_unlimited(&req).await {
        Ok(img) => img,
        Err(e) if e.class() != ErrorClass::Transient => {
            tracing::error!(entry_point = %entry.id, errcode = ?e.errcode(), rid = ?e.rid(), error = %e, "WeChat did not make the 小程序码");
            return Err(AppError::Upstream {
                code: "wechat_qrcode_failed",
                message: "微信未能生成小程序码,请检查小程序页面配置或稍后重试".into(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    store::save_code(
        &state.db,
        entry.id,
        &req.page,
        &req.env_version,
        img.content_type,
        img.bytes.clone(),
    )
    .await?;
    Ok(Some((img.content_type.to_string(), img.bytes)))
}

/// A printable A4 poster (SVG, 300 dpi user units): the 小程序码 when WeChat is configured
/// (the URL code in dev WeChat mode, or when WeChat cannot make one now), the community with
/// its street and district, how to apply in WeChat, and the hotline.
#[utoipa::path(
    tag = "entry_points",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "A4 poster", content_type = "image/svg+xml"),
        (status = 404, body = ErrorBody),
    )
)]
#[get("/api/v1/admin/entry-points/{id}/poster")]
pub async fn poster(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let entry = find(&state, &me, *id).await?;
    let nodes = jurisdictions::store::path_nodes(&state.db, &entry.jurisdiction_path).await?;
    let path: Vec<JurisdictionNode> = nodes.iter().map(JurisdictionNode::from).collect();
    let code = match wxacode(&state, &entry).await {
        Ok(code) => code,
        Err(e) => {
            tracing::warn!(entry_point = %entry.id, error = %e, "poster printed with the URL code");
            None
        }
    };
    let svg = render::poster_svg(&render::Poster {
        wxacode: code.as_ref().map(|(ct, b)| (ct.as_str(), b.as_slice())),
        path: &path,
        label: &entry.label,
        landing_url: &landing_url(&state.settings.public_base_url, &entry.scene),
        hotline: &state.settings.hotline.number,
        miniprogram_name: &state.settings.wechat.miniprogram_name,
    })?;
    Ok(image(
        "image/svg+xml",
        &format!("{}-poster.svg", entry.scene),
        svg.into_bytes(),
    ))
}
