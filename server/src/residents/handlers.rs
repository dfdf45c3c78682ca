//! The resident's profile and phone binding through WeChat's phone-number code.

use actix_web::{HttpResponse, get, post, web};

use crate::{
    audit::{self, Actor, Entry},
    auth::Resident,
    db,
    error::{AppError, AppResult, ErrorBody, codes},
    privacy::MobileNumber,
    residents::{
        dto::{BindPhoneRequest, MeResponse},
        store,
    },
    state::AppState,
    wechat::{ErrorClass, WechatError},
};

/// Context binding a phone ciphertext to its resident row.
pub fn phone_context(resident_id: uuid::Uuid) -> String {
    format!("residents.phone:{resident_id}")
}

/// The logged-in resident's profile, phone masked.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody))
)]
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, caller: Resident) -> AppResult<HttpResponse> {
    let resident = store::find_by_id(&state.db, caller.id)
        .await?
        .ok_or_else(|| AppError::from(codes::INVALID_TOKEN))?;
    Ok(HttpResponse::Ok().json(MeResponse::from(&resident)))
}

fn phone_code_invalid() -> AppError {
    AppError::unprocessable(
        "phone_code_invalid",
        "手机号授权已失效,请重新点击「获取手机号」",
    )
}

/// Binds the phone number WeChat vouches for (the `getPhoneNumber` button's code). Stored
/// encrypted with a blind index and a masked copy; the answer shows it masked.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    request_body = BindPhoneRequest,
    responses(
        (status = 200, body = MeResponse),
        (status = 401, body = ErrorBody),
        (status = 422, description = "code invalid, expired or from another app; or not a mainland mobile", body = ErrorBody),
        (status = 502, body = ErrorBody),
        (status = 503, body = ErrorBody),
    )
)]
#[post("/api/v1/me/phone")]
pub async fn bind_phone(
    state: web::Data<AppState>,
    caller: Resident,
    body: web::Json<BindPhoneRequest>,
) -> AppResult<HttpResponse> {
    let code = body.code.trim();
    if code.is_empty() || code.len() > 128 {
        return Err(AppError::field("code", "缺少手机号授权码"));
    }
    let info = match state.wechat.phone_number(code).await {
        Ok(info) => info,
        Err(WechatError::WatermarkMismatch) => return Err(phone_code_invalid()),
        Err(e) if e.class() == ErrorClass::CodeInvalid => {
            tracing::info!(errcode = ?e.errcode(), rid = ?e.rid(), "phone code rejected by WeChat");
            return Err(phone_code_invalid());
        }
        Err(e) => return Err(e.into()),
    };
    if info.country_code != "86" {
        return Err(AppError::field("code", "目前仅支持中国大陆手机号"));
    }
    let phone = MobileNumber::parse(&info.pure_phone_number)
        .map_err(|_| AppError::field("code", "目前仅支持中国大陆手机号"))?;
    let enc = state
        .cipher
        .encrypt(&phone_context(caller.id), phone.as_str());
    let bidx = state
        .cipher
        .blind_index(crate::privacy::index::PHONE, phone.as_str());
    let txn = db::begin(&state.db).await?;
    let resident = store::set_phone(&txn, caller.id, enc, bidx, phone.masked()).await?;
    audit::record(
        &txn,
        Entry::new(Actor::Resident(caller.id), "resident.phone_bound")
            .target("resident", caller.id),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(resident_id = %caller.id, "resident bound a phone number");
    Ok(HttpResponse::Ok().json(MeResponse::from(&resident)))
}
