//! WeChat's content check (`msg_sec_check` v2) on what a resident writes, at submission and
//! before any transaction opens: `risky` is refused with a field error the resident can act
//! on; `review`, or a check that could not be made (WeChat down, the resident not active in
//! the last two hours), lets the application through — a person in need is never turned away by
//! a filter outage — and marks it with an internal timeline entry for a person to read.

use sea_orm::{ConnectionTrait, DbErr};
use serde_json::json;
use uuid::Uuid;

use crate::{
    applications::events::{EventActor, NewEvent},
    error::{AppError, AppResult},
    state::AppState,
    wechat::{SecCheckRequest, Suggest},
};

/// What a person should know about the text's check.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass,
    /// Let through; to be read by a person.
    Review {
        why: &'static str,
        label: Option<i64>,
        trace_id: Option<String>,
    },
}

/// Checks `text` written by the resident `openid` (scene 1: 资料).
pub async fn check(state: &AppState, openid: &str, text: &str) -> AppResult<Verdict> {
    if !state.settings.wechat.content_check || text.trim().is_empty() {
        return Ok(Verdict::Pass);
    }
    let req = SecCheckRequest {
        content: text.chars().take(2500).collect(),
        scene: 1,
        openid: openid.to_string(),
        title: None,
    };
    match state.wechat.msg_sec_check(&req).await {
        Ok(r) => match r.result.suggest {
            Suggest::Pass => Ok(Verdict::Pass),
            Suggest::Risky => Err(AppError::field(
                "description",
                "情况说明中有不适宜提交的内容,请修改后再提交;如有困难可拨打热线求助",
            )),
            Suggest::Review => Ok(Verdict::Review {
                why: "wechat_review",
                label: r.result.label,
                trace_id: r.trace_id,
            }),
        },
        Err(e) => {
            tracing::warn!(error = %e, "content check unavailable; application let through for review");
            Ok(Verdict::Review {
                why: "check_unavailable",
                label: None,
                trace_id: None,
            })
        }
    }
}

/// Records a `Review` verdict on the case (staff only), with the case's creation.
pub async fn mark(
    db: &impl ConnectionTrait,
    application_id: Uuid,
    verdict: &Verdict,
) -> Result<(), DbErr> {
    let Verdict::Review {
        why,
        label,
        trace_id,
    } = verdict
    else {
        return Ok(());
    };
    NewEvent::new(application_id, EventActor::system(), "content_review")
        .note(
            Some("情况说明需人工审阅(微信内容安全检测未通过或无法检测)".into()),
            false,
        )
        .staff_only()
        .data(json!({ "reason": why, "label": label, "trace_id": trace_id }))
        .record(db)
        .await?;
    Ok(())
}
