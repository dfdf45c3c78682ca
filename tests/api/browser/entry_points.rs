//! An admin makes an entry point and downloads its poster.

use std::time::Instant;

use sea_orm::EntityTrait;
use tests::{
    Backend, TestApp,
    browser::{self, Keys},
    eventually,
};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};

use super::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_makes_an_entry_point_and_downloads_its_poster() {
    let Some(driver) = browser::chromedriver().await else {
        return;
    };
    let started = Instant::now();
    let app = TestApp::builder(Backend::Postgres).spawn().await;
    app.seed_demo().await;
    app.mock_stable_token("TOKEN-QR", None).await;
    let png = zhitongche::entry_points::render::qr_png("https://mp.weixin.qq.com/a/console-test")
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/wxa/getwxacodeunlimit"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .set_body_bytes(png),
        )
        .mount(&app.wechat)
        .await;
    staff(&app, "city.admin", "admin", "120000").await;
    let downloads = tempdir("poster");
    let admin = driver.session(&downloads).await;
    sign_in(&admin, &app, "city.admin").await;
    admin.wait_text("ul.tree", "和平区").await;
    admin.screenshot("admin-tree").await;
    admin.click("header nav a[data-path='/entry-points']").await;
    admin
        .find("form.panel input[role=combobox]")
        .await
        .click()
        .await
        .unwrap();
    admin.keys("新津").await;
    admin.wait_text(".listbox", "新津社区").await;
    admin.keys(&Keys::Enter.to_string()).await;
    admin
        .tab_keys(&("新津社区居委会公告栏".to_string() + &Keys::Enter.to_string()))
        .await;
    admin.wait_text("main h1", "新津社区居委会公告栏").await;
    // The 小程序码 is shown (fetched with the token, displayed from a blob: URL).
    eventually(10, "the QR image", || async {
        let w = admin.js("const i = document.querySelector('img.qr'); return i && i.complete ? i.naturalWidth : 0;").await;
        (w.as_u64().unwrap_or(0) > 0).then_some(())
    })
    .await;
    admin.screenshot("admin-entry-point").await;
    admin.click("#download-poster").await;
    let poster = eventually(15, "the downloaded poster", || async {
        std::fs::read_dir(&downloads)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "svg"))
            .and_then(|p| std::fs::read_to_string(p).ok())
            .filter(|s| s.trim_end().ends_with("</svg>"))
    })
    .await;
    assert!(
        poster.contains("新津社区"),
        "the poster names the community"
    );
    assert!(
        poster.contains("<image") && poster.contains("data:image/png;base64,"),
        "the poster carries the 小程序码"
    );
    let entry = entity::entry_points::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("an entry point");
    assert!(entry.jurisdiction_path.ends_with(&format!("/{XINJIN}/")));
    for (path, name, wanted) in [
        ("/staff", "admin-staff", "city.admin"),
        ("/calendar", "admin-calendar", "春节"),
        ("/catalogue", "admin-catalogue", "临时救助"),
    ] {
        admin.goto(&app.url(&format!("/console/#{path}"))).await;
        admin.wait_text("main", wanted).await;
        admin.screenshot(name).await;
    }
    admin.close().await;
    eprintln!("browser admin flow took {:?}", started.elapsed());
}
