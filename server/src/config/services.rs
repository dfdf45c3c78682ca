//! The settings of the outside services: the WeChat mini-program and the notification pipeline.

use std::{path::PathBuf, time::Duration};

use secrecy::SecretString;

use super::{
    CareSettings, NotifySettings, WechatSettings, keys::parse_encoding_aes_key, read::Reader,
    setting as S,
};

pub(super) fn wechat(r: &mut Reader) -> WechatSettings {
    let app_id = r.given(&S::wechat_app_id);
    let app_secret = r.given(&S::wechat_app_secret).map(SecretString::from);
    if app_id.is_some() && app_secret.is_none() {
        r.problem(&S::wechat_app_secret, "must be set when WECHAT_APP_ID is");
    }
    let development_state = if r.prod { "formal" } else { "developer" };
    WechatSettings {
        app_id,
        app_secret,
        api_base: r
            .text(&S::wechat_api_base)
            .trim_end_matches('/')
            .to_string(),
        timeout: Duration::from_secs(r.number(&S::wechat_timeout_secs, 1..)),
        miniprogram_state: r
            .choice_or(
                &S::wechat_miniprogram_state,
                &[
                    ("formal", "formal"),
                    ("trial", "trial"),
                    ("developer", "developer"),
                ],
                development_state,
            )
            .to_string(),
        content_check: r.choice(&S::wechat_content_check, &[("on", true), ("off", false)]),
        progress_template_id: r.text(&S::wechat_progress_template_id),
        templates_file: r.given(&S::wechat_templates_file).map(PathBuf::from),
        push_token: r.given(&S::wechat_push_token).map(SecretString::from),
        push_aes_key: push_aes_key(r),
        qr_page: qr_page(r),
        qr_env_version: r
            .choice(
                &S::wechat_qr_env_version,
                &[
                    ("release", "release"),
                    ("trial", "trial"),
                    ("develop", "develop"),
                ],
            )
            .to_string(),
        miniprogram_name: r.text(&S::wechat_miniprogram_name),
    }
}

fn qr_page(r: &mut Reader) -> String {
    let page = r.text(&S::wechat_qr_page);
    if page.starts_with('/') || page.contains('?') || page.len() > 128 {
        r.problem(
            &S::wechat_qr_page,
            "a page path such as `pages/entry/index`, without a leading `/` or a query",
        );
    }
    page
}

fn push_aes_key(r: &mut Reader) -> Option<super::SecretBytes> {
    let value = r.given(&S::wechat_push_aes_key)?;
    let key = parse_encoding_aes_key(&value);
    if key.is_none() {
        r.problem(
            &S::wechat_push_aes_key,
            "expected the 43-character EncodingAESKey",
        );
    }
    key
}

/// Errors for values that cannot work; the tuning floors and ceilings are applied with a
/// start-up warning instead.
pub(super) fn notify(r: &mut Reader) -> NotifySettings {
    let ms = Duration::from_millis;
    let secs = Duration::from_secs;
    NotifySettings {
        workers: r.flag(&S::ztc_notify_workers),
        concurrency: r.number_capped(&S::ztc_notify_concurrency, 1, 256),
        sse_heartbeat: secs(r.number(&S::ztc_sse_heartbeat_secs, 1..)),
        max_attempts: r.number(&S::ztc_notify_max_attempts, 1..),
        retry_base: ms(r.number(&S::ztc_notify_retry_base_ms, ..)),
        lease: secs(r.number(&S::ztc_notify_lease_secs, 1..)),
        claim_idle: ms(r.number_floored(&S::ztc_notify_claim_idle_ms, 100)),
        reconcile_every: ms(r.number_floored(&S::ztc_notify_reconcile_ms, 50)),
        republish_after: ms(r.number(&S::ztc_notify_republish_after_ms, ..)),
        stream_maxlen: r.number_floored(&S::ztc_notify_stream_maxlen, 1000),
    }
}

pub(super) fn care(r: &mut Reader) -> CareSettings {
    CareSettings {
        due_soon_days: r.number(&S::ztc_care_due_soon_days, 0..=30),
        street_after_working_days: r.number(&S::ztc_care_street_after_days, 0..=60),
        district_after_working_days: r.number(&S::ztc_care_district_after_days, 0..=60),
        scan_every: Duration::from_secs(r.number(&S::ztc_care_scan_secs, 1..=86_400)),
        import_batch_rows: r.number(&S::ztc_import_batch_rows, 1..=10_000),
        import_max_bytes: r.number::<usize>(&S::ztc_import_max_mb, 1..=1024) * 1024 * 1024,
    }
}
