//! What a scanner sees: the mini-program's scan call and the landing page for phone browsers.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::{
    assistance,
    auth::extractor::MaybeResident,
    db,
    entry_points::{
        domain::Scene,
        dto::{ScanJurisdiction, ScanRequest, ScanResponse},
        render,
        store::{self, ScanSource},
    },
    error::{AppError, AppResult, ErrorBody, codes},
    http::client_ip,
    jurisdictions::{self, JurisdictionNode},
    state::AppState,
};

fn unknown_scene(hotline: &str) -> AppError {
    codes::ENTRY_POINT_NOT_FOUND.with(format!(
        "这个二维码已失效或不存在,请联系社区工作人员,或拨打救助热线 {hotline}"
    ))
}

/// Records a scan and tells the mini-program where the resident is: the community (with its
/// path to the city), the assistance types on offer and the hotline. Anonymous or with a
/// resident token.
#[utoipa::path(
    tag = "entry_points",
    request_body = ScanRequest,
    responses(
        (status = 200, body = ScanResponse),
        (status = 404, description = "unknown or disabled code", body = ErrorBody),
        (status = 422, description = "not a valid scene", body = ErrorBody),
    )
)]
#[post("/api/v1/scans")]
pub async fn scan(
    state: web::Data<AppState>,
    req: HttpRequest,
    resident: MaybeResident,
    body: web::Json<ScanRequest>,
) -> AppResult<HttpResponse> {
    let ip = client_ip(&req, &state.settings);
    flood_guard(&state, &ip).await?;
    let scene = match (body.scene.as_deref(), body.q.as_deref()) {
        (Some(scene), _) => Scene::parse(scene).map_err(|e| AppError::field("scene", e))?,
        (None, Some(q)) => super::link::scene_of(q, &state.settings.public_base_url)
            .map_err(|e| AppError::field("q", e))?,
        (None, None) => return Err(AppError::field("scene", "二维码内容为空,请重新扫码")),
    };
    let hotline = &state.settings.hotline.number;
    let (entry, community) = store::find_enabled_by_scene(&state.db, scene.as_str())
        .await?
        .ok_or_else(|| unknown_scene(hotline))?;
    let resident_id = resident.0.as_ref().map(|r| r.id);
    if counts(&state, &ip, resident_id, entry.id).await {
        store::record_scan(
            &state.db,
            entry.id,
            resident_id,
            ScanSource::MiniProgram,
            db::now(),
        )
        .await?;
    }
    let path = jurisdictions::store::path_nodes(&state.db, &community.path).await?;
    Ok(HttpResponse::Ok().json(ScanResponse {
        entry_point_id: entry.id,
        scene: entry.scene.clone(),
        jurisdiction: ScanJurisdiction {
            code: community.code.clone(),
            name: community.name.clone(),
            path: path.iter().map(JurisdictionNode::from).collect(),
        },
        assistance_types: assistance::store::public_summaries(&state.db).await?,
        hotline: hotline.clone(),
    }))
}

/// Scans counted per entry point and 10 minutes: per logged-in resident, and per IP for
/// anonymous ones (a community hall shares one IP, so the anonymous cap is higher).
pub const COUNTED_PER_RESIDENT: u32 = 3;
pub const COUNTED_PER_ANONYMOUS_IP: u32 = 20;
const COUNT_WINDOW: Duration = Duration::from_secs(600);

async fn flood_guard(state: &AppState, ip: &str) -> AppResult<()> {
    state.limiter.flood_guard("scan", ip).await
}

/// Whether this scan counts in the funnel: reloads and bots do not inflate it, and the answer
/// is the same either way.
async fn counts(
    state: &AppState,
    ip: &str,
    resident: Option<uuid::Uuid>,
    entry: uuid::Uuid,
) -> bool {
    let (key, cap) = match resident {
        Some(r) => (format!("scan-count:{entry}:{r}"), COUNTED_PER_RESIDENT),
        None => (format!("scan-count:{entry}:{ip}"), COUNTED_PER_ANONYMOUS_IP),
    };
    state.limiter.hit(&key, COUNT_WINDOW).await.0 <= cap
}

fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

/// The landing page a URL QR code opens in a phone browser: names the community, explains how
/// to apply in WeChat, and offers the hotline as a `tel:` link. Counted as a scan.
#[utoipa::path(
    tag = "entry_points",
    params(("scene" = String, Path)),
    responses(
        (status = 200, description = "HTML page", content_type = "text/html"),
        (status = 404, description = "HTML page: the code is unknown or disabled", content_type = "text/html"),
    )
)]
#[get("/s/{scene}")]
pub async fn landing(
    state: web::Data<AppState>,
    req: HttpRequest,
    scene: web::Path<String>,
) -> AppResult<HttpResponse> {
    let hotline = &state.settings.hotline.number;
    let ip = client_ip(&req, &state.settings);
    if flood_guard(&state, &ip).await.is_err() {
        return Ok(html(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            render::busy_html(hotline),
        ));
    }
    let found = match Scene::parse(&scene) {
        Ok(scene) => store::find_enabled_by_scene(&state.db, scene.as_str()).await?,
        Err(_) => None,
    };
    let Some((entry, community)) = found else {
        return Ok(html(
            actix_web::http::StatusCode::NOT_FOUND,
            render::not_found_html(hotline),
        ));
    };
    if counts(&state, &ip, None, entry.id).await {
        store::record_scan(&state.db, entry.id, None, ScanSource::Web, db::now()).await?;
    }
    let nodes = jurisdictions::store::path_nodes(&state.db, &community.path).await?;
    let path: Vec<JurisdictionNode> = nodes.iter().map(JurisdictionNode::from).collect();
    Ok(html(
        actix_web::http::StatusCode::OK,
        render::landing_html(&render::Landing {
            path: &path,
            hotline,
            miniprogram_name: &state.settings.wechat.miniprogram_name,
        }),
    ))
}
