//! Residents' one-time subscription credits per template, changed by relative updates so
//! that concurrent taps all count.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

use entity::subscription_credits;

use crate::db;

/// Spends one of the resident's one-time credits for a template.
pub async fn spend_credit(
    db: &impl ConnectionTrait,
    resident_id: Uuid,
    template_id: &str,
) -> Result<bool, DbErr> {
    let res = subscription_credits::Entity::update_many()
        .col_expr(
            subscription_credits::Column::Credits,
            Expr::col(subscription_credits::Column::Credits).sub(1),
        )
        .col_expr(
            subscription_credits::Column::UpdatedAt,
            Expr::value(db::now()),
        )
        .filter(subscription_credits::Column::ResidentId.eq(resident_id))
        .filter(subscription_credits::Column::TemplateId.eq(template_id))
        .filter(subscription_credits::Column::Credits.gt(0))
        .filter(subscription_credits::Column::Banned.eq(false))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Adds (`add > 0`, capped at `max`) or clears (`ban`) a resident's credits for a template.
/// Each change is one relative `UPDATE`, so concurrent taps are all counted.
pub async fn change_credits(
    db: &impl ConnectionTrait,
    resident_id: Uuid,
    template_id: &str,
    add: i32,
    ban: bool,
    max: i32,
) -> Result<(), DbErr> {
    let now = db::now();
    subscription_credits::Entity::insert(subscription_credits::ActiveModel {
        id: Set(Uuid::now_v7()),
        resident_id: Set(resident_id),
        template_id: Set(template_id.into()),
        credits: Set(0),
        banned: Set(false),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([
        subscription_credits::Column::ResidentId,
        subscription_credits::Column::TemplateId,
    ])
    .exec(db)
    .await?;
    let update = subscription_credits::Entity::update_many()
        .col_expr(subscription_credits::Column::UpdatedAt, Expr::value(now))
        .filter(subscription_credits::Column::ResidentId.eq(resident_id))
        .filter(subscription_credits::Column::TemplateId.eq(template_id));
    if ban {
        update
            .col_expr(subscription_credits::Column::Credits, Expr::value(0))
            .col_expr(subscription_credits::Column::Banned, Expr::value(true))
            .exec(db)
            .await?;
    } else if add > 0 {
        let added = Expr::col(subscription_credits::Column::Credits).add(add);
        update
            .col_expr(
                subscription_credits::Column::Credits,
                Expr::case(added.clone().gt(max), max).finally(added).into(),
            )
            .col_expr(subscription_credits::Column::Banned, Expr::value(false))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Sets a resident's credits for a template to zero (WeChat reported none left).
pub async fn clear_credits(
    db: &impl ConnectionTrait,
    resident_id: Uuid,
    template_id: &str,
) -> Result<(), DbErr> {
    subscription_credits::Entity::update_many()
        .col_expr(subscription_credits::Column::Credits, Expr::value(0))
        .col_expr(
            subscription_credits::Column::UpdatedAt,
            Expr::value(db::now()),
        )
        .filter(subscription_credits::Column::ResidentId.eq(resident_id))
        .filter(subscription_credits::Column::TemplateId.eq(template_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn credits_of(
    db: &impl ConnectionTrait,
    resident_id: Uuid,
) -> Result<Vec<subscription_credits::Model>, DbErr> {
    subscription_credits::Entity::find()
        .filter(subscription_credits::Column::ResidentId.eq(resident_id))
        .all(db)
        .await
}
