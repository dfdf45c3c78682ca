//! The console in a real browser (headless Chromium), against the real application on
//! PostgreSQL and Redis with WeChat faked by wiremock. A day's work end to end: an operator
//! enters a call that opens a case with the keyboard alone; the community caseworker, already
//! signed in elsewhere, sees it arrive live, accepts it and asks for more (meeting a stale page
//! on the way); the street approver approves a resident's case and the resident's WeChat
//! notices match; a caseworker of another community sees nothing of it; the session outlives
//! its access token and signing out ends it; an admin makes an entry point and downloads its
//! poster. Screenshots of each screen go to `target/screenshots/`.

use std::time::{Duration, Instant};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;
use tests::{
    Backend, TestApp,
    browser::{self, Browser, Keys},
    eventually,
};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};

use crate::delivery::{consent, mock_send, sends};

const FUAN: &str = "120101001001";
const XINJIN: &str = "120101001002";
const PASSWORD: &str = "Console-test-pass-1";

/// A staff account with a known name (the harness's have random ones) and `PASSWORD`.
async fn staff(app: &TestApp, username: &str, role: &str, code: &str) -> uuid::Uuid {
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

async fn sign_in(b: &Browser, app: &TestApp, username: &str) {
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

async fn sign_out(b: &Browser) {
    b.click("#logout").await;
    b.find("input[name=username]").await;
}

/// Refresh tokens of a staff member: (all, not revoked).
async fn refresh_tokens(app: &TestApp, staff: uuid::Uuid) -> (usize, usize) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_in_the_console_from_the_call_to_the_approval() {
    let Some(driver) = browser::chromedriver().await else {
        return;
    };
    let started = Instant::now();
    // Access tokens live 1 s (plus the verifier's 30 s leeway): the console must refresh on
    // its own while people work.
    let app = TestApp::builder(Backend::Postgres)
        .settings(|raw| {
            crate::delivery::fast(raw);
            raw.ztc_access_token_ttl_secs = Some("1".into());
            raw.ztc_sse_heartbeat_secs = Some("3".into());
        })
        .spawn()
        .await;
    app.seed_demo().await;
    app.mock_stable_token("TOKEN-N", None).await;
    mock_send(&app, json!({"errcode": 0, "errmsg": "ok", "msgid": 42})).await;
    let worker_id = staff(&app, "fuan.worker", "caseworker", FUAN).await;
    staff(&app, "hotline.op", "operator", "120000").await;
    staff(&app, "qyc.approver", "approver", "120101001").await;
    staff(&app, "xinjin.worker", "caseworker", XINJIN).await;
    staff(&app, "heping.super", "supervisor", "120101").await;
    let downloads = tempdir("downloads");

    // The caseworker signs in first and keeps the queue open.
    let worker = driver.session(&downloads).await;
    sign_in(&worker, &app, "fuan.worker").await;
    let worker_signed_in = Instant::now();
    worker.wait_text("main", "没有符合条件的案件").await;

    // The operator takes a call, keyboard only.
    let op = driver.session(&downloads).await;
    sign_in(&op, &app, "hotline.op").await;
    op.find("h1#call-title").await;
    op.keys("13812345678").await; // the number field has the cursor
    op.tab_keys("张秀兰").await;
    op.tab_keys(&(Keys::Down + &Keys::Down.to_string())).await; // 求助
    op.tab_keys("福安").await;
    op.wait_text(".listbox", "福安社区").await;
    op.keys(&Keys::Enter.to_string()).await;
    op.tab_keys("老伴住院,医药费负担重,想申请临时救助").await;
    op.tab_keys("").await; // urgent: no
    op.tab_keys(" ").await; // apply on the caller's behalf
    op.tab_keys(&(Keys::Down + &Keys::Down.to_string() + &Keys::Down.to_string()))
        .await; // 临时救助
    op.tab_keys("").await; // the applicant's name came from the caller's
    op.tab_keys("11010519491231002X").await;
    op.tab_keys("").await; // the applicant's mobile came from the caller's number
    op.tab_keys("和平区福安大街18号3门201").await;
    op.screenshot("operator-call-form").await;
    op.keys(&(Keys::Control + &Keys::Enter.to_string())).await;
    let done = op.wait_text(".alert.success", "案件编号").await;
    op.screenshot("operator-call-saved").await;
    let case = entity::applications::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the call opened a case");
    assert!(done.contains(&case.reference), "{done}");
    assert_eq!(
        (
            case.channel.as_str(),
            case.assistance_type.as_str(),
            case.status.as_str()
        ),
        ("hotline", "temporary_assistance", "submitted")
    );
    assert_eq!(case.applicant_name, "张秀兰");
    assert!(case.jurisdiction_path.ends_with(&format!("/{FUAN}/")));

    // It reaches the caseworker live: a toast, the unread badge and the queue.
    worker.wait_text(".toasts", "").await;
    worker.find(".toast.notice").await;
    worker.wait_text("header nav .count", "1").await;
    worker.wait_text("table.list tbody", &case.reference).await;
    worker.screenshot("caseworker-queue-live").await;
    worker
        .click(&format!("a[href='#/cases/{}']", case.id))
        .await;
    worker.wait_text(".case-head", &case.reference).await;
    worker.screenshot("caseworker-case").await;
    worker.click("button[data-action=accept]").await;
    worker.click(".action-form button[type=submit]").await;
    worker.wait_text(".case-head", "已受理").await;

    // A stale page: someone else changes the case while the caseworker writes the request.
    worker.click("button[data-action=request_supplement]").await;
    worker
        .find("#a-items")
        .await
        .send_keys("户口本复印件\n医院诊断证明")
        .await
        .unwrap();
    let mut changed = app.stored(&case.id.to_string()).await.into_active_model();
    changed.version = Set(app.version_of(&case.id.to_string()).await + 1);
    changed.update(&app.state.db).await.unwrap();
    worker.click(".action-form button[type=submit]").await;
    worker
        .wait_text(".action-form .alert", "有人刚刚更改了这件案件")
        .await;
    worker.screenshot("caseworker-stale").await;
    worker.click(".action-form .alert button").await;
    worker.wait_gone(".action-form").await; // the case was read again
    worker.click("button[data-action=request_supplement]").await;
    worker
        .find("#a-items")
        .await
        .send_keys("户口本复印件\n医院诊断证明")
        .await
        .unwrap();
    worker.click(".action-form button[type=submit]").await;
    worker.wait_text(".case-head", "待补充材料").await;
    let stored = app.stored(&case.id.to_string()).await;
    assert_eq!(stored.status, "needs_supplement");
    assert_eq!(
        stored.supplement_items,
        Some(json!(["户口本复印件", "医院诊断证明"]))
    );
    assert_eq!(stored.assignee_id, Some(worker_id));

    // The approver decides a resident's case; the resident's WeChat notices follow it.
    let (resident_id, resident) = app.resident_login("o_console").await;
    consent(&app, resident_id, 10).await;
    let online = crate::delivery::apply(&app, &resident.access, "517").await;
    let (_, api_worker) = app.staff_token("caseworker", FUAN).await;
    app.act(&api_worker, &online, "accept", json!({}))
        .await
        .assert_status(200);
    app.act(&api_worker, &online, "start_investigation", json!({}))
        .await
        .assert_status(200);
    app.act(
        &api_worker,
        &online,
        "submit_review",
        json!({"note": "入户核实,情况属实"}),
    )
    .await
    .assert_status(200);
    sign_out(&op).await;
    sign_in(&op, &app, "qyc.approver").await;
    op.goto(&app.url(&format!("/console/#/cases/{online}")))
        .await;
    op.click("button[data-action=approve]").await;
    op.find("#a-amount").await.send_keys("1500").await.unwrap();
    op.click(".action-form button[type=submit]").await;
    op.wait_text(".case-head", "已批准").await;
    op.wait_text(".case-head", "¥1,500.00").await;
    op.screenshot("approver-approved").await;
    let got = eventually(20, "five WeChat notices", || async {
        let s = sends(&app).await;
        (s.len() >= 5).then_some(s)
    })
    .await;
    let statuses: Vec<&str> = got
        .iter()
        .map(|b| b["data"]["phrase2"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["已提交", "已受理", "入户调查中", "审核中", "已批准"]
    );
    assert!(
        got.iter()
            .all(|b| b["touser"] == "o_console" && b["data"]["thing1"]["value"] == "临时救助")
    );

    // A caseworker of the next community sees neither case.
    sign_out(&op).await;
    sign_in(&op, &app, "xinjin.worker").await;
    op.wait_text("main", "没有符合条件的案件").await;
    op.goto(&app.url(&format!("/console/#/cases/{}", case.id)))
        .await;
    op.wait_text("main", "没有找到这件申请").await;
    op.screenshot("other-community-sees-nothing").await;
    sign_out(&op).await;
    sign_in(&op, &app, "heping.super").await;
    op.wait_text("main", "劝业场街道").await;
    op.screenshot("supervisor-overview").await;

    // The caseworker's access token has long expired; the console carries on.
    let lived = worker_signed_in.elapsed();
    if lived < Duration::from_secs(33) {
        tokio::time::sleep(Duration::from_secs(33) - lived).await;
    }
    worker.click("header nav a[data-path='/inbox']").await;
    worker.wait_text("ul.inbox", "").await;
    worker.find("ul.inbox li").await;
    worker.screenshot("caseworker-inbox").await;
    assert!(
        worker
            .client
            .find(fantoccini::Locator::Css("input[name=password]"))
            .await
            .is_err(),
        "still signed in"
    );
    let (issued, _) = refresh_tokens(&app, worker_id).await;
    assert!(
        issued >= 2,
        "the console refreshed its session ({issued} tokens)"
    );
    // A reload keeps the session too (the cookie), and signing out ends it everywhere.
    worker.goto(&app.url("/console/#/cases")).await;
    worker.wait_text("main h1", "我的案件").await;
    sign_out(&worker).await;
    worker.wait_text(".alert", "您已退出登录").await;
    worker.screenshot("signed-out").await;
    assert_eq!(
        refresh_tokens(&app, worker_id).await.1,
        0,
        "no usable refresh token is left"
    );
    worker.goto(&app.url("/console/")).await;
    worker.find("input[name=username]").await;
    worker.close().await;
    op.close().await;
    eprintln!("browser case flow took {:?}", started.elapsed());
}

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

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ztc-browser-{name}-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
