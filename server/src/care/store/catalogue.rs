//! The key-group catalogue: seeded once (existing rows are left as the city edited them),
//! read whole, edited by the city.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, sea_query::Expr,
};

use entity::{care_groups, care_tiers};

use crate::{
    care::{
        catalogue::{Catalogue, SEEDS},
        domain::tier_name,
    },
    db,
};

pub async fn seed_defaults(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let now = db::now();
    let groups = SEEDS
        .iter()
        .enumerate()
        .map(|(i, g)| care_groups::ActiveModel {
            code: Set(g.code.into()),
            name: Set(g.name.into()),
            description: Set(g.description.into()),
            roll_type: Set(g.roll_type.map(Into::into)),
            checklist: Set(serde_json::json!(g.checklist)),
            enabled: Set(true),
            sort_order: Set(i as i32 * 10),
            updated_at: Set(now),
        });
    care_groups::Entity::insert_many(groups)
        .on_conflict_do_nothing_on([care_groups::Column::Code])
        .exec(db)
        .await?;
    let tiers = SEEDS.iter().flat_map(|g| {
        g.tiers.iter().enumerate().map(move |(i, (days, home))| {
            let tier = i as i32 + 1;
            care_tiers::ActiveModel {
                group_code: Set(g.code.into()),
                tier: Set(tier),
                name: Set(tier_name(tier).into()),
                interval_days: Set(*days),
                home_visit_required: Set(*home),
                updated_at: Set(now),
            }
        })
    });
    care_tiers::Entity::insert_many(tiers)
        .on_conflict_do_nothing_on([care_tiers::Column::GroupCode, care_tiers::Column::Tier])
        .exec(db)
        .await?;
    Ok(())
}

pub async fn catalogue(db: &impl ConnectionTrait) -> Result<Catalogue, DbErr> {
    Ok(Catalogue {
        groups: care_groups::Entity::find()
            .order_by_asc(care_groups::Column::SortOrder)
            .order_by_asc(care_groups::Column::Code)
            .all(db)
            .await?,
        tiers: care_tiers::Entity::find()
            .order_by_asc(care_tiers::Column::GroupCode)
            .order_by_asc(care_tiers::Column::Tier)
            .all(db)
            .await?,
    })
}

pub async fn find_group(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<care_groups::Model>, DbErr> {
    care_groups::Entity::find_by_id(code.to_string())
        .one(db)
        .await
}

pub async fn save_group(
    db: &impl ConnectionTrait,
    group: care_groups::ActiveModel,
) -> Result<care_groups::Model, DbErr> {
    group.update(db).await
}

pub async fn save_tier(
    db: &impl ConnectionTrait,
    group: &str,
    tier: i32,
    interval_days: i32,
    home_visit_required: bool,
) -> Result<(), DbErr> {
    care_tiers::Entity::update_many()
        .col_expr(care_tiers::Column::IntervalDays, Expr::value(interval_days))
        .col_expr(
            care_tiers::Column::HomeVisitRequired,
            Expr::value(home_visit_required),
        )
        .col_expr(care_tiers::Column::UpdatedAt, Expr::value(db::now()))
        .filter(care_tiers::Column::GroupCode.eq(group))
        .filter(care_tiers::Column::Tier.eq(tier))
        .exec(db)
        .await?;
    Ok(())
}
