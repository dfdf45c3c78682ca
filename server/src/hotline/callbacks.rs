//! The telephony platform's callbacks: verified on the raw bytes, then applied once per
//! `event_id` in the same transaction that records the id. Events of one call may arrive in
//! any order and before or after the operator's entry; they all land on one call row.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use entity::{hotline_callback_events as callback_events, hotline_calls as calls};

use crate::{
    db,
    error::{self, AppError, AppResult, FieldErrors, codes},
    hotline::{
        calls::blank,
        domain::{CallerNumber, parse_external_id},
        dto::{CallbackAck, CallbackEvent},
        signature, store,
    },
    state::AppState,
};

/// Largest callback body the platform may send.
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Started,
    Ended,
    RecordingReady,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "call.started" => Some(Kind::Started),
            "call.ended" => Some(Kind::Ended),
            "call.recording_ready" => Some(Kind::RecordingReady),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Started => "call.started",
            Kind::Ended => "call.ended",
            Kind::RecordingReady => "call.recording_ready",
        }
    }
}

struct Event {
    id: String,
    kind: Kind,
    call_id: String,
    caller: Option<CallerNumber>,
    agent: Option<String>,
    at: DateTime<Utc>,
    duration_s: Option<i32>,
    recording_url: Option<String>,
}

fn parse_at(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .and_then(|secs| DateTime::<Utc>::from_timestamp(secs, 0)),
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        _ => None,
    }
}

fn validate(e: CallbackEvent) -> Result<Event, FieldErrors> {
    let mut fields = FieldErrors::new();
    let mut err = |f: &str, m: &str| {
        fields.insert(f.into(), m.into());
    };
    let id = e.event_id.trim().to_string();
    if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
        err("event_id", "事件编号须为 1–128 个字符");
    }
    let kind = Kind::parse(e.event_type.trim());
    if kind.is_none() {
        err(
            "type",
            "事件类型应为 call.started、call.ended 或 call.recording_ready",
        );
    }
    let call_id = parse_external_id(&e.call_id, "通话编号")
        .map_err(|m| err("call_id", &m))
        .ok();
    let caller = match e.caller.as_deref().map(str::trim) {
        None | Some("") | Some("anonymous") => None,
        Some(c) => CallerNumber::parse(c).map_err(|m| err("caller", &m)).ok(),
    };
    let agent = match e.agent.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => parse_external_id(a, "坐席编号")
            .map_err(|m| err("agent", &m))
            .ok(),
        None => None,
    };
    let at = parse_at(&e.at);
    if at.is_none() {
        err("at", "时间应为 RFC 3339 格式或 Unix 秒数");
    }
    let duration_s = match e.duration_s {
        Some(d) if (0..=86_400).contains(&d) => i32::try_from(d).ok(),
        Some(_) => {
            err("duration_s", "通话时长应在 0–86400 秒之间");
            None
        }
        None => None,
    };
    let recording_url = e
        .recording_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    if let Some(u) = &recording_url
        && (u.len() > 1000
            || !(u.starts_with("https://") || u.starts_with("http://"))
            || u.chars().any(|c| c.is_control() || c.is_whitespace()))
    {
        err(
            "recording_url",
            "录音地址应为 http(s) 链接,不超过 1000 个字符",
        );
    }
    if kind == Some(Kind::RecordingReady) && recording_url.is_none() {
        err("recording_url", "录音就绪事件须带录音地址");
    }
    match (kind, call_id, at, fields.is_empty()) {
        (Some(kind), Some(call_id), Some(at), true) => Ok(Event {
            id,
            kind,
            call_id,
            caller,
            agent,
            at,
            duration_s,
            recording_url,
        }),
        _ => Err(fields),
    }
}

/// Merges one event into the call. Platform times win over the operator's; a start derived
/// from an end and its duration gives way to the platform's own start when that arrives.
fn apply(state: &AppState, call: &mut calls::Model, e: &Event) {
    if call.caller_phone_bidx.is_none()
        && let Some(phone) = &e.caller
    {
        call.caller_phone_enc = Some(state.cipher.encrypt(
            &format!("hotline_calls.caller_phone:{}", call.id),
            phone.as_str(),
        ));
        call.caller_phone_bidx = Some(
            state
                .cipher
                .blind_index(crate::privacy::index::PHONE, phone.as_str()),
        );
        call.caller_phone_masked = Some(phone.masked());
    }
    if e.agent.is_some() {
        call.agent = e.agent.clone();
    }
    match e.kind {
        Kind::Started => {
            call.started_at = Some(e.at);
            call.started_source = Some("platform".into());
            if let Some(end) = call.ended_at
                && call.duration_s.is_none()
            {
                call.duration_s = i32::try_from((end - e.at).num_seconds().max(0)).ok();
            }
        }
        Kind::Ended => {
            call.ended_at = Some(e.at);
            let platform_start = call
                .started_at
                .filter(|_| call.started_source.as_deref() == Some("platform"));
            call.duration_s = e.duration_s.or_else(|| {
                platform_start.and_then(|s| i32::try_from((e.at - s).num_seconds().max(0)).ok())
            });
            if platform_start.is_none()
                && let Some(d) = e.duration_s
            {
                call.started_at = Some(e.at - chrono::Duration::seconds(d.into()));
                call.started_source = Some("derived".into());
            }
        }
        Kind::RecordingReady => call.recording_url = e.recording_url.clone(),
    }
    call.updated_at = db::now();
}

/// Verifies and applies one callback from `source` (the sender's IP, for the log). A signature
/// failure is a 401 with no effect.
pub async fn receive(
    state: &AppState,
    header: Option<&str>,
    body: &[u8],
    source: &str,
) -> AppResult<CallbackAck> {
    if let Err(e) = signature::verify(
        header,
        body,
        &state.settings.hotline.signing_secrets,
        Utc::now().timestamp(),
    ) {
        tracing::warn!(reason = %e, source, bytes = body.len(), "hotline callback refused");
        return Err(codes::INVALID_SIGNATURE.with("回调签名无效或已过期"));
    }
    let event: CallbackEvent = serde_json::from_slice(body).map_err(|e| error::serde_error(&e))?;
    let event = validate(event).map_err(AppError::validation)?;

    let txn = db::begin(&state.db).await?;
    let now = db::now();
    let fresh = blank(
        Uuid::now_v7(),
        Some(event.call_id.clone()),
        store::unattributed_path(&txn).await?,
        now,
    );
    let (mut call, _) = store::create_or_lock_platform_call(&txn, &event.call_id, fresh).await?;
    let first = store::record_callback_event(
        &txn,
        callback_events::Model {
            event_id: event.id.clone(),
            event_type: event.kind.as_str().into(),
            platform_call_id: event.call_id.clone(),
            call_id: call.id,
            event_at: event.at,
            received_at: now,
        },
    )
    .await?;
    if !first {
        // Dropping the transaction undoes the call row in case this request created it.
        tracing::info!(event_id = %event.id, "hotline callback already processed");
        return Ok(CallbackAck {
            status: "duplicate".into(),
            call_id: call.id,
        });
    }
    apply(state, &mut call, &event);
    let call = store::update_call(&txn, call).await?;
    txn.commit().await?;
    tracing::info!(event_id = %event.id, event_type = event.kind.as_str(), call_id = %call.id, "hotline callback processed");
    Ok(CallbackAck {
        status: "processed".into(),
        call_id: call.id,
    })
}
