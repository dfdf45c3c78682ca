//! WeChat's pushed events: each event and each signature is honoured once, and a pushed send
//! report confirms (or marks as failed) the delivery it names.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    TryInsertResult, sea_query::Expr,
};

use entity::{notification_deliveries as deliveries, wechat_push_events};

use crate::db;

/// Records `key` as seen; `false` when it was seen before.
pub async fn first_time(db: &impl ConnectionTrait, key: &str) -> Result<bool, DbErr> {
    let key: String = key.chars().take(160).collect();
    let res = wechat_push_events::Entity::insert(wechat_push_events::ActiveModel {
        key: Set(key),
        received_at: Set(db::now()),
    })
    .on_conflict_do_nothing_on([wechat_push_events::Column::Key])
    .exec(db)
    .await?;
    Ok(matches!(res, TryInsertResult::Inserted(_)))
}

/// WeChat's report on the send with `msgid`: confirmed, or failed with `failure`.
pub async fn confirm_send(
    db: &impl ConnectionTrait,
    msgid: &str,
    failure: Option<String>,
) -> Result<(), DbErr> {
    let update =
        deliveries::Entity::update_many().filter(deliveries::Column::ProviderMsgId.eq(msgid));
    let update = match failure {
        None => update.col_expr(deliveries::Column::ConfirmedAt, Expr::value(db::now())),
        Some(f) => update.col_expr(deliveries::Column::LastError, Expr::value(f)),
    };
    update.exec(db).await?;
    Ok(())
}
