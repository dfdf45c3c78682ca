//! Resident queries. A resident only ever reads their own row.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use uuid::Uuid;

use entity::residents;

use crate::db;

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<residents::Model>, DbErr> {
    residents::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_openid(
    db: &impl ConnectionTrait,
    openid: &str,
) -> Result<Option<residents::Model>, DbErr> {
    residents::Entity::find()
        .filter(residents::Column::Openid.eq(openid))
        .one(db)
        .await
}

/// The resident with this openid, created on first sight; records the login time and a newly
/// learned unionid. Safe under concurrent first logins (insert … on conflict do nothing).
pub async fn upsert_login(
    db: &impl ConnectionTrait,
    openid: &str,
    unionid: Option<&str>,
) -> Result<residents::Model, DbErr> {
    let now = db::now();
    let insert = residents::Entity::insert(residents::ActiveModel {
        id: Set(Uuid::now_v7()),
        openid: Set(openid.to_string()),
        unionid: Set(unionid.map(str::to_string)),
        phone_enc: Set(None),
        phone_bidx: Set(None),
        phone_masked: Set(None),
        last_login_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([residents::Column::Openid])
    .exec(db)
    .await;
    insert?;
    let existing = find_by_openid(db, openid)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("resident {openid}")))?;
    let mut active: residents::ActiveModel = existing.clone().into();
    active.last_login_at = Set(Some(now));
    if existing.unionid.is_none() && unionid.is_some() {
        active.unionid = Set(unionid.map(str::to_string));
    }
    active.updated_at = Set(now);
    active.update(db).await
}

/// Stores the phone: ciphertext, blind index and masked copy, never the plaintext.
pub async fn set_phone(
    db: &impl ConnectionTrait,
    id: Uuid,
    phone_enc: String,
    phone_bidx: String,
    phone_masked: String,
) -> Result<residents::Model, DbErr> {
    let existing = find_by_id(db, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("resident {id}")))?;
    let mut active: residents::ActiveModel = existing.into();
    active.phone_enc = Set(Some(phone_enc));
    active.phone_bidx = Set(Some(phone_bidx));
    active.phone_masked = Set(Some(phone_masked));
    active.updated_at = Set(db::now());
    active.update(db).await
}
