//! Opening a staff account: the one path for the admin API and the `staff add` command, so
//! both hash the same way and both leave an audit row.

use sea_orm::DatabaseConnection;
use serde_json::json;

use entity::{jurisdictions, staff};

use crate::{
    audit::{self, Actor, Entry},
    auth::password,
    db,
    error::AppResult,
    staff::{
        Role,
        domain::{Password, Username},
        store,
    },
};

/// An account whose fields have been parsed and whose post (role × level) has been checked.
pub struct NewAccount {
    pub username: Username,
    pub display_name: Option<String>,
    pub password: Password,
    pub role: Role,
    pub node: jurisdictions::Model,
}

/// Hashes the password, writes the account and its `staff.create` audit row in one transaction.
/// `via` names where the request came from (`api`, `cli`).
pub async fn open(
    conn: &DatabaseConnection,
    actor: Actor,
    via: &str,
    new: NewAccount,
) -> AppResult<staff::Model> {
    let hash = password::hash(new.password.expose().to_string()).await?;
    let txn = db::begin(conn).await?;
    let account = store::insert(
        &txn,
        store::NewStaff {
            username: new.username.as_str(),
            display_name: new.display_name,
            password_hash: hash,
            role: new.role,
            jurisdiction_id: new.node.id,
        },
    )
    .await?;
    audit::record(
        &txn,
        Entry::new(actor, "staff.create")
            .target("staff", account.id)
            .detail(json!({"role": new.role.as_str(), "jurisdiction": new.node.code, "via": via})),
    )
    .await?;
    txn.commit().await?;
    Ok(account)
}
