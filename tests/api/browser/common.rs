//! Staff accounts with known passwords, signing in and out, and scratch folders.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tests::{
    TestApp,
    browser::{Browser, Keys},
};

pub const FUAN: &str = "120101001001";
pub const XINJIN: &str = "120101001002";
pub const PASSWORD: &str = "Console-test-pass-1";

/// A staff account with a known name (the harness's have random ones) and `PASSWORD`.
pub async fn staff(app: &TestApp, username: &str, role: &str, code: &str) -> uuid::Uuid {
    use zhitongche::{auth::password, jurisdictions, staff};
    let node = jurisdictions::store::find_by_code(&app.state.db, code)
        .await
        .unwrap()
        .unwrap();
    staff::store::insert(
        &app.state.db,
        staff::store::NewStaff {
            username,
            display_name: Some(format!("测试{username}")),
            password_hash: password::hash(PASSWORD.to_string()).await.unwrap(),
            role: staff::Role::parse(role).unwrap(),
            jurisdiction_id: node.id,
        },
    )
    .await
    .unwrap()
    .id
}

pub async fn sign_in(b: &Browser, app: &TestApp, username: &str) {
    b.goto(&app.url("/")).await;
    b.find("input[name=username]")
        .await
        .send_keys(username)
        .await
        .unwrap();
    b.find("input[name=password]")
        .await
        .send_keys(&(PASSWORD.to_string() + &Keys::Enter.to_string()))
        .await
        .unwrap();
    b.find("#logout").await;
}

pub async fn sign_out(b: &Browser) {
    b.click("#logout").await;
    b.find("input[name=username]").await;
}

/// Refresh tokens of a staff member: (all, not revoked).
pub async fn refresh_tokens(app: &TestApp, staff: uuid::Uuid) -> (usize, usize) {
    let rows = entity::refresh_tokens::Entity::find()
        .filter(entity::refresh_tokens::Column::PrincipalId.eq(staff))
        .all(&app.state.db)
        .await
        .unwrap();
    let live = rows
        .iter()
        .filter(|r| r.revoked_at.is_none() && r.used_at.is_none())
        .count();
    (rows.len(), live)
}

pub fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ztc-browser-{name}-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
