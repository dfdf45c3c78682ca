//! Opaque keyset cursors: base64url of the last key seen. Every cursor that does not decode is
//! the one `invalid_cursor` answer.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{AppError, codes};

pub fn encode(key: &str) -> String {
    B64.encode(key)
}

pub fn decode(cursor: &str) -> Result<String, AppError> {
    B64.decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid)
}

/// An optional cursor whose key is an id (UUIDv7, so keyset order is time order).
pub fn decode_uuid(cursor: Option<&str>) -> Result<Option<Uuid>, AppError> {
    cursor
        .map(|c| Uuid::parse_str(&decode(c)?).map_err(|_| invalid()))
        .transpose()
}

/// A cursor for lists ordered by a time, ties broken by id: `{rfc3339}|{id}`.
pub fn encode_time_id(at: DateTime<Utc>, id: Uuid) -> String {
    encode(&format!("{}|{id}", at.to_rfc3339()))
}

/// An optional cursor made by [`encode_time_id`].
pub fn decode_time_id(cursor: Option<&str>) -> Result<Option<(DateTime<Utc>, Uuid)>, AppError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let key = decode(cursor)?;
    let (at, id) = key.split_once('|').ok_or_else(invalid)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| invalid())?;
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok(Some((at.with_timezone(&Utc), id)))
}

/// The answer to a cursor this service did not make.
pub fn invalid() -> AppError {
    codes::INVALID_CURSOR.into()
}

/// Clamps a requested page size to 1..=max, defaulting to `default`.
pub fn limit(requested: Option<u64>, default: u64, max: u64) -> u64 {
    requested.unwrap_or(default).clamp(1, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_and_id_cursors_round_trip_and_anything_else_is_invalid() {
        let at = DateTime::parse_from_rfc3339("2026-11-29T10:26:24.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let id = Uuid::now_v7();
        let c = encode_time_id(at, id);
        assert_eq!(decode_time_id(Some(&c)).unwrap(), Some((at, id)));
        assert_eq!(decode_time_id(None).unwrap(), None);
        for bad in [
            encode("no-bar"),
            encode(&format!("yesterday|{id}")),
            "!!".into(),
        ] {
            let err = decode_time_id(Some(&bad)).unwrap_err();
            assert_eq!(err.body().error.code, "invalid_cursor");
        }
        let err = decode_uuid(Some(&encode("not-a-uuid"))).unwrap_err();
        assert_eq!(err.body().error.code, "invalid_cursor");
    }
}
