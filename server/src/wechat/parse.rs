//! Reading WeChat's answers: JSON judged by `errcode` whatever the HTTP status, and images
//! checked by magic bytes, with JSON in an image response treated as the error it is.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::wechat::{dto::Image, errors::WechatError};

type Result<T> = std::result::Result<T, WechatError>;

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = b"\xff\xd8\xff";

/// Parses a JSON answer: a non-zero `errcode` is an error whatever the HTTP status was.
pub(crate) async fn read_json<T: DeserializeOwned>(res: reqwest::Response) -> Result<T> {
    let status = res.status();
    let bytes = res.bytes().await.map_err(WechatError::transport)?;
    from_value(json_answer(status, &bytes)?)
}

pub(crate) fn json_answer(status: reqwest::StatusCode, bytes: &[u8]) -> Result<Value> {
    let v: Value = serde_json::from_slice(bytes).map_err(|_| {
        if status.is_server_error() {
            WechatError::Transport(format!("HTTP {status} without a JSON body"))
        } else {
            WechatError::Protocol(format!("HTTP {status}: the body is not JSON"))
        }
    })?;
    match v.get("errcode").and_then(Value::as_i64) {
        None | Some(0) => Ok(v),
        Some(errcode) => Err(WechatError::api(
            errcode,
            v.get("errmsg").and_then(Value::as_str).unwrap_or_default(),
        )),
    }
}

pub(crate) fn from_value<T: DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| WechatError::Protocol(format!("unexpected shape: {e}")))
}

/// An image endpoint's answer: JSON (by MIME essence, or a body starting with `{`) is an error
/// and goes through the errcode handling; otherwise the bytes must be PNG or JPEG.
pub(crate) fn sniff_image(
    status: reqwest::StatusCode,
    content_type: &str,
    bytes: &[u8],
) -> Result<Image> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let looks_json = essence == "application/json"
        || essence == "text/json"
        || essence == "text/plain"
        || bytes.trim_ascii_start().first() == Some(&b'{');
    if looks_json {
        json_answer(status, bytes)?;
        return Err(WechatError::Protocol(
            "JSON where an image was expected".into(),
        ));
    }
    if bytes.starts_with(PNG_MAGIC) {
        Ok(Image {
            content_type: "image/png",
            bytes: bytes.to_vec(),
        })
    } else if bytes.starts_with(JPEG_MAGIC) {
        Ok(Image {
            content_type: "image/jpeg",
            bytes: bytes.to_vec(),
        })
    } else if status.is_server_error() {
        Err(WechatError::Transport(format!("HTTP {status}")))
    } else {
        Err(WechatError::Protocol(format!(
            "not a PNG or JPEG image (Content-Type `{essence}`)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn json_in_an_image_response_is_an_error_whatever_the_content_type() {
        let body = br#"{"errcode":40169,"errmsg":"invalid length for scene rid: 65a1-b2"}"#;
        for ct in [
            "application/json; encoding=utf-8",
            "image/jpeg",
            "text/plain",
            "",
        ] {
            let e = sniff_image(StatusCode::OK, ct, body).unwrap_err();
            assert_eq!(e.errcode(), Some(40169), "{ct}");
            assert_eq!(e.rid(), Some("65a1-b2"));
        }
        let e = sniff_image(StatusCode::OK, "application/json", br#"{"ok":1}"#).unwrap_err();
        assert!(matches!(e, WechatError::Protocol(_)));
        let e = sniff_image(StatusCode::OK, "image/png", b"GIF89a....").unwrap_err();
        assert!(matches!(e, WechatError::Protocol(_)));
    }

    #[test]
    fn images_are_recognised_by_their_magic_bytes() {
        let mut png = PNG_MAGIC.to_vec();
        png.extend_from_slice(b"rest");
        assert_eq!(
            sniff_image(StatusCode::OK, "image/jpeg", &png)
                .unwrap()
                .content_type,
            "image/png"
        );
        assert_eq!(
            sniff_image(StatusCode::OK, "", b"\xff\xd8\xff\xe0JFIF")
                .unwrap()
                .content_type,
            "image/jpeg"
        );
    }

    #[test]
    fn success_is_decided_by_errcode_not_http_status() {
        assert!(json_answer(StatusCode::OK, br#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(
            json_answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                br#"{"access_token":"x"}"#
            )
            .is_ok()
        );
        let e =
            json_answer(StatusCode::OK, br#"{"errcode":-1,"errmsg":"system error"}"#).unwrap_err();
        assert!(e.is_busy());
        let e = json_answer(StatusCode::BAD_GATEWAY, b"<html>").unwrap_err();
        assert!(matches!(e, WechatError::Transport(_)));
    }
}
