//! WeChat's message push to us: the `echostr` check, plain and safe mode (msg_signature,
//! AES-256-CBC with a 32-byte PKCS#7 block, appid check), and the subscription events that add
//! or remove one-time credits and confirm sends. Answers `success` quickly; repeats are ignored.

use actix_web::{HttpResponse, get, post, web};
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::NoPadding};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::Value;
use sha1::{Digest, Sha1};
use utoipa::IntoParams;

use crate::{
    db,
    error::{AppError, AppResult, ErrorBody, codes},
    notify::{resident_handlers::MAX_CREDITS, store},
    residents,
    state::AppState,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PushQuery {
    pub signature: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub echostr: Option<String>,
    pub encrypt_type: Option<String>,
    pub msg_signature: Option<String>,
}

/// `sha1` of the parts sorted and concatenated, hex.
pub fn signature(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    hex::encode(Sha1::digest(sorted.concat().as_bytes()))
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    #[error("bad ciphertext")]
    Cipher,
    #[error("bad padding")]
    Padding,
    #[error("message for another appid")]
    AppId,
}

/// Decrypts an `Encrypt` field: random(16) ‖ length(4, big-endian) ‖ message ‖ appid.
pub fn open(key: &[u8], encrypted: &str, appid: &str) -> Result<String, PushError> {
    let data = B64.decode(encrypted).map_err(|_| PushError::Cipher)?;
    if data.is_empty() || data.len() % 16 != 0 {
        return Err(PushError::Cipher);
    }
    let dec = cbc::Decryptor::<aes::Aes256>::new_from_slices(key, &key[..16])
        .map_err(|_| PushError::Cipher)?;
    let plain = dec
        .decrypt_padded_vec::<NoPadding>(&data)
        .map_err(|_| PushError::Cipher)?;
    // PKCS#7 over a 32-byte block: 1–32 bytes of padding.
    let pad = *plain.last().ok_or(PushError::Padding)? as usize;
    if !(1..=32).contains(&pad)
        || pad > plain.len()
        || plain[plain.len() - pad..]
            .iter()
            .any(|b| *b as usize != pad)
    {
        return Err(PushError::Padding);
    }
    let body = &plain[..plain.len() - pad];
    if body.len() < 20 {
        return Err(PushError::Cipher);
    }
    let len = u32::from_be_bytes([body[16], body[17], body[18], body[19]]) as usize;
    let rest = &body[20..];
    if len > rest.len() {
        return Err(PushError::Cipher);
    }
    let (msg, from_appid) = rest.split_at(len);
    if from_appid != appid.as_bytes() {
        return Err(PushError::AppId);
    }
    String::from_utf8(msg.to_vec()).map_err(|_| PushError::Cipher)
}

/// The inverse of [`open`], as WeChat encrypts; used by tests and tooling.
pub fn seal(key: &[u8], message: &str, appid: &str) -> String {
    let mut plain = crate::config::random_bytes::<16>().to_vec();
    plain.extend_from_slice(&(message.len() as u32).to_be_bytes());
    plain.extend_from_slice(message.as_bytes());
    plain.extend_from_slice(appid.as_bytes());
    let pad = 32 - plain.len() % 32;
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    let enc = cbc::Encryptor::<aes::Aes256>::new_from_slices(key, &key[..16])
        .expect("32-byte key, 16-byte IV");
    B64.encode(enc.encrypt_padded_vec::<NoPadding>(&plain))
}

fn token(state: &AppState) -> AppResult<String> {
    state
        .settings
        .wechat
        .push_token
        .as_ref()
        .map(|t| t.expose_secret().to_string())
        .ok_or_else(|| codes::PUSH_NOT_CONFIGURED.with("未配置消息推送(WECHAT_PUSH_TOKEN)"))
}

fn bad_signature() -> AppError {
    AppError::from(codes::INVALID_SIGNATURE)
}

/// How far a push's `timestamp` may be from our clock.
const PUSH_WINDOW_SECS: i64 = 300;

/// The push was signed within the window; an old signature is not accepted again.
fn check_fresh(q: &PushQuery) -> AppResult<()> {
    let ts: i64 = q
        .timestamp
        .as_deref()
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(bad_signature)?;
    if (db::now().timestamp() - ts).abs() > PUSH_WINDOW_SECS {
        tracing::warn!(
            timestamp = ts,
            "WeChat push outside the time window refused"
        );
        return Err(bad_signature());
    }
    Ok(())
}

fn check_plain(token: &str, q: &PushQuery) -> AppResult<()> {
    let (Some(sig), Some(ts), Some(nonce)) = (&q.signature, &q.timestamp, &q.nonce) else {
        return Err(bad_signature());
    };
    if constant_eq(&signature(&[token, ts, nonce]), sig) {
        Ok(())
    } else {
        Err(bad_signature())
    }
}

/// URL verification: echoes `echostr` when the signature matches.
#[utoipa::path(
    tag = "notifications",
    params(PushQuery),
    responses((status = 200, content_type = "text/plain", body = String), (status = 401, body = ErrorBody))
)]
#[get("/api/v1/wechat/push")]
pub async fn verify(
    state: web::Data<AppState>,
    query: web::Query<PushQuery>,
) -> AppResult<HttpResponse> {
    let token = token(&state)?;
    check_plain(&token, &query)?;
    let echo = query.echostr.clone().unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(echo))
}

/// A `List` that is an object for one item and an array for several.
fn items(message: &Value) -> Vec<Value> {
    match message.get("List") {
        Some(Value::Array(a)) => a.clone(),
        Some(v @ Value::Object(_)) => vec![v.clone()],
        _ => Vec::new(),
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Receives pushed events (JSON, plain or safe mode).
#[utoipa::path(
    tag = "notifications",
    params(PushQuery),
    request_body(content = Object, description = "the pushed message (or `{ToUserName, Encrypt}` in safe mode)"),
    responses((status = 200, content_type = "text/plain", body = String), (status = 401, body = ErrorBody))
)]
#[post("/api/v1/wechat/push")]
pub async fn receive(
    state: web::Data<AppState>,
    query: web::Query<PushQuery>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let token = token(&state)?;
    check_fresh(&query)?;
    let outer: Value =
        serde_json::from_slice(&body).map_err(|_| AppError::from(codes::MALFORMED_JSON))?;
    let safe_mode = state.settings.wechat.push_aes_key.is_some();
    let message: Value = if query.encrypt_type.as_deref() == Some("aes") {
        let encrypted = outer
            .get("Encrypt")
            .and_then(Value::as_str)
            .ok_or_else(bad_signature)?;
        let (Some(ts), Some(nonce), Some(sig)) =
            (&query.timestamp, &query.nonce, &query.msg_signature)
        else {
            return Err(bad_signature());
        };
        if !constant_eq(&signature(&[&token, ts, nonce, encrypted]), sig) {
            return Err(bad_signature());
        }
        let key = state.settings.wechat.push_aes_key.as_ref().ok_or_else(|| {
            codes::PUSH_NOT_CONFIGURED.with("未配置消息加密密钥(WECHAT_PUSH_AES_KEY)")
        })?;
        let appid = state
            .settings
            .wechat
            .app_id
            .clone()
            .ok_or_else(|| codes::PUSH_NOT_CONFIGURED.with("安全模式需要配置 WECHAT_APP_ID"))?;
        let plain = open(key.expose(), encrypted, &appid).map_err(|e| {
            tracing::warn!(error = %e, "WeChat push could not be opened");
            bad_signature()
        })?;
        serde_json::from_str(&plain)
            .map_err(|_| AppError::bad_request("malformed_json", "解密后的消息不是有效的 JSON"))?
    } else if safe_mode {
        // Plain mode signs only token, timestamp and nonce, not the body: with a key set,
        // only encrypted pushes are believed.
        tracing::warn!("plain WeChat push refused: safe mode is configured");
        return Err(AppError::unauthorized(
            "encrypted_push_required",
            "已配置安全模式,只接受加密推送",
        ));
    } else {
        check_plain(&token, &query)?;
        outer
    };
    // A signature is good for one push: the same timestamp and nonce again is WeChat
    // repeating itself (already handled) or someone replaying it with another body.
    let nonce_key = format!(
        "nonce:{}:{}",
        query.timestamp.as_deref().unwrap_or_default(),
        query.nonce.as_deref().unwrap_or_default()
    );
    handle(&state, &message, &nonce_key).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain")
        .body("success"))
}

/// Applies one pushed event once: neither the same event nor the same signature (`nonce_key`)
/// has an effect twice. Both are recorded with the effect, so a failure loses neither.
async fn handle(state: &AppState, message: &Value, nonce_key: &str) -> AppResult<()> {
    let event = text(message, "Event").unwrap_or_default();
    let from = text(message, "FromUserName").unwrap_or_default();
    let created = text(message, "CreateTime").unwrap_or_default();
    let txn = db::begin(&state.db).await?;
    if !store::first_time(&txn, nonce_key).await?
        || !store::first_time(&txn, &format!("{from}:{created}:{event}")).await?
    {
        return Ok(());
    }
    match event.as_str() {
        "subscribe_msg_popup_event" | "subscribe_msg_change_event" => {
            if let Some(resident) = residents::store::find_by_openid(&txn, &from).await? {
                for item in items(message) {
                    let (Some(template), Some(status)) = (
                        text(&item, "TemplateId"),
                        text(&item, "SubscribeStatusString"),
                    ) else {
                        continue;
                    };
                    match status.as_str() {
                        "accept" => {
                            store::change_credits(
                                &txn,
                                resident.id,
                                &template,
                                1,
                                false,
                                MAX_CREDITS,
                            )
                            .await?
                        }
                        "reject" if event == "subscribe_msg_change_event" => {
                            store::change_credits(
                                &txn,
                                resident.id,
                                &template,
                                0,
                                true,
                                MAX_CREDITS,
                            )
                            .await?
                        }
                        _ => {}
                    }
                }
            }
        }
        "subscribe_msg_sent_event" => {
            for item in items(message) {
                let (Some(msgid), code) = (text(&item, "MsgID"), text(&item, "ErrorCode")) else {
                    continue;
                };
                let ok = code.as_deref().is_none_or(|c| c == "0");
                let failure = (!ok).then(|| {
                    tracing::warn!(msgid = %msgid, code = ?code, "WeChat reports an asynchronous push failure");
                    let status = text(&item, "ErrorStatus").unwrap_or_default();
                    format!("WeChat push failed: {status}")
                });
                store::confirm_send(&txn, &msgid, failure).await?;
            }
        }
        _ => {}
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_message_opens_only_for_its_appid() {
        let key = [7u8; 32];
        let msg = r#"{"Event":"subscribe_msg_popup_event"}"#;
        let sealed = seal(&key, msg, "wxapp");
        assert_eq!(open(&key, &sealed, "wxapp").unwrap(), msg);
        assert_eq!(open(&key, &sealed, "wxother"), Err(PushError::AppId));
        assert!(open(&[8u8; 32], &sealed, "wxapp").is_err());
    }

    #[test]
    fn signatures_sort_their_parts() {
        assert_eq!(signature(&["b", "a", "c"]), signature(&["c", "b", "a"]));
        assert_eq!(
            signature(&["abc"]),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn a_list_may_be_one_object_or_an_array() {
        let one: Value = serde_json::json!({"List": {"TemplateId": "t"}});
        let many: Value = serde_json::json!({"List": [{"TemplateId": "t"}, {"TemplateId": "u"}]});
        assert_eq!(items(&one).len(), 1);
        assert_eq!(items(&many).len(), 2);
    }
}
