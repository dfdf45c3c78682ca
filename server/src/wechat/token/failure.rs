//! After a failed fetch, callers are answered with that failure for a few seconds instead of
//! each asking WeChat again (an outage would otherwise get one fetch per waiting request).

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::wechat::errors::WechatError;

pub(super) const FAILURE_HOLD: Duration = Duration::from_secs(5);

/// The last failed fetch in this process, and until when it is answered.
#[derive(Default)]
pub(super) struct FailureHold(Mutex<Option<(Instant, String)>>);

impl FailureHold {
    /// The recent failure, if callers should still be told of it rather than fetch again.
    pub fn recent(&self) -> Option<WechatError> {
        let failed = self.0.lock().unwrap_or_else(|e| e.into_inner());
        failed
            .as_ref()
            .filter(|(until, _)| *until > Instant::now())
            .map(|(_, msg)| {
                WechatError::Transport(format!("access token unavailable (recent failure): {msg}"))
            })
    }

    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub fn remember(&self, e: &WechatError) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now() + FAILURE_HOLD, e.to_string()));
    }
}
