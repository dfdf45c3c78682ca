//! The resident's subscribe-message consent: which templates to ask for, and recording what
//! `wx.requestSubscribeMessage` answered. Each `accept` allows one message.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, web};

use crate::{
    auth::Resident,
    db,
    error::{AppError, AppResult, ErrorBody, FieldErrors},
    notify::{
        dto::{ConsentRequest, ConsentResponse, SubscriptionTemplates, TemplateInfo},
        store,
    },
    state::AppState,
};

/// Most one-time credits a resident can bank per template.
pub const MAX_CREDITS: i32 = 50;

async fn credits(state: &AppState, resident: &Resident) -> AppResult<BTreeMap<String, i32>> {
    Ok(store::credits_of(&state.db, resident.id)
        .await?
        .into_iter()
        .map(|c| (c.template_id, c.credits))
        .collect())
}

/// Templates the mini-program should ask consent for, and how many sends each still allows.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = SubscriptionTemplates))
)]
#[get("/api/v1/me/subscriptions/templates")]
pub async fn templates(state: web::Data<AppState>, me: Resident) -> AppResult<HttpResponse> {
    let templates: Vec<TemplateInfo> = state
        .notifier
        .templates
        .all()
        .iter()
        .map(|t| TemplateInfo {
            template_id: t.template_id.clone(),
            title: t.title.clone(),
            events: t.events.clone(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(SubscriptionTemplates {
        template_ids: templates.iter().map(|t| t.template_id.clone()).collect(),
        templates,
        credits: credits(&state, &me).await?,
    }))
}

/// Records `wx.requestSubscribeMessage` results: `accept` adds one send, `reject` adds none,
/// `ban` turns the template off, `filter` (hidden by WeChat) changes nothing. When WeChat's
/// message push is configured (`WECHAT_PUSH_TOKEN`), its popup events already record the same
/// taps, so an `accept` is checked and answered but not counted again (`recorded: false`);
/// a `ban` always clears the template's credits.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    request_body = ConsentRequest,
    responses((status = 200, body = ConsentResponse), (status = 422, body = ErrorBody))
)]
#[post("/api/v1/me/subscriptions")]
pub async fn consent(
    state: web::Data<AppState>,
    me: Resident,
    body: web::Json<ConsentRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let mut fields = FieldErrors::new();
    if body.results.is_empty() || body.results.len() > 10 {
        fields.insert("results".into(), "请提供 1–10 个模板的订阅结果".into());
    }
    for (template, result) in &body.results {
        if !state.notifier.templates.knows(template) {
            fields.insert(format!("results.{template}"), "未知的消息模板".into());
        } else if !matches!(result.as_str(), "accept" | "reject" | "ban" | "filter") {
            fields.insert(
                format!("results.{template}"),
                "结果应为 accept、reject、ban 或 filter".into(),
            );
        }
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let recorded = state.settings.wechat.push_token.is_none();
    let txn = db::begin(&state.db).await?;
    for (template, result) in &body.results {
        match result.as_str() {
            "accept" if recorded => {
                store::change_credits(&txn, me.id, template, 1, false, MAX_CREDITS).await?
            }
            // Taking credits away is never counted twice: a ban applies even when the push
            // reports taps, in case its event never comes.
            "ban" => store::change_credits(&txn, me.id, template, 0, true, MAX_CREDITS).await?,
            _ => {}
        }
    }
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(ConsentResponse {
        credits: credits(&state, &me).await?,
        recorded,
    }))
}
