//! A day's work end to end, from the call to the approval.

use std::time::{Duration, Instant};

use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use serde_json::json;
use tests::{
    Backend, TestApp,
    browser::{self, Keys},
    eventually,
};

use crate::delivery::{consent, mock_send, sends};

use super::common::*;

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
