//! Placeholder until the WeChat client lands.

use sea_orm::DbErr;

use entity::notification_deliveries as deliveries;

use crate::{notify::consumer::Attempt, state::AppState};

pub async fn deliver(_state: &AppState, _d: &deliveries::Model) -> Result<Attempt, DbErr> {
    Ok(Attempt::Transient("wechat channel not wired yet".into()))
}
