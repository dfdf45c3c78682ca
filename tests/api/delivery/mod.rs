//! The notification pipeline, WeChat side: one send per transition with consent, skips,
//! dead letters, retries, per-case order, fenced claims and credits, and push confirmations.
//! What happens when things break is in `delivery_recovery`.

mod claims;
mod sends;
mod support;

pub(crate) use support::{
    FUAN, app_with_workers, apply, consent, deliveries, fast, mock_send, one_notice, sends, spawn,
    wechat_delivery_in,
};
