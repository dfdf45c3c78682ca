//! Grid-care import benchmark: 100,000 generated people (valid GB 11643 ID numbers) imported
//! from CSV through the real API on PostgreSQL, then the same file again (every row unchanged),
//! then the same content as XLSX. While the first import runs, a list request is timed every
//! 100 ms to show the server keeps answering.
//!
//! Reports rows/s (server-side, from the import's start to its end, and wall-clock from the
//! upload), the process's peak resident memory during each import (the counter is reset before
//! each one; the server runs in this process), and the longest transaction any import held.
//!
//! Run: `cargo bench -p tests --bench care_import` (`BENCH_N`, default 100000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use serde_json::Value;
use tests::{Backend, TestApp};

const FUAN: &str = "120101001001";
const XINJIN: &str = "120101001002";
const GRID1: &str = "12010100100101";
const HEADER: &str = "姓名,身份证号,手机号,社区代码,网格代码,分组,居住地址,联系人类型,联系人姓名,联系人关系,联系人手机号,上次走访日期";
const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: [&str; 10] = [
    "秀英", "桂兰", "建国", "玉兰", "志强", "淑珍", "德福", "凤英", "国华", "春梅",
];
const GROUPS: [&str; 4] = [
    "孤寡老人:一级",
    "低保对象:2",
    "留守老年人:二级;重度残疾人:三级",
    "分散供养特困人员:1",
];

/// A valid ID number of 和平区 for the `n`-th person: 500 people per birth day.
fn id_number(n: usize) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1930, 1, 1).unwrap()
        + chrono::Duration::days((n / 500) as i64);
    let body = format!("120101{}{:03}", birth.format("%Y%m%d"), (n % 500) * 2 + 1);
    let check = zhitongche::privacy::id_number::check_char(&body).unwrap();
    format!("{body}{check}")
}

fn rows(n: usize) -> Vec<[String; 12]> {
    (0..n)
        .map(|i| {
            let fuan = i % 2 == 0;
            let contact = i % 5 == 0;
            [
                format!("{}{}", SURNAMES[i % 10], GIVEN[(i / 10) % 10]),
                id_number(i),
                format!("{}", 13_900_000_000u64 + i as u64),
                (if fuan { FUAN } else { XINJIN }).into(),
                (if fuan && i % 3 == 0 { GRID1 } else { "" }).into(),
                GROUPS[i % 4].into(),
                format!("和平区福安大街 {} 号", i % 500),
                (if contact { "联系人" } else { "" }).into(),
                (if contact { "李华" } else { "" }).into(),
                (if contact { "女儿" } else { "" }).into(),
                if contact {
                    format!("{}", 13_700_000_000u64 + i as u64)
                } else {
                    String::new()
                },
                if i % 4 == 0 {
                    format!("2026-11-{:02}", i % 25 + 1)
                } else {
                    String::new()
                },
            ]
        })
        .collect()
}

fn csv(rows: &[[String; 12]]) -> Vec<u8> {
    let mut out = String::with_capacity(rows.len() * 160);
    out.push('\u{feff}');
    out.push_str(HEADER);
    out.push('\n');
    for r in rows {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

fn xlsx(rows: &[[String; 12]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            // Phones as numbers, as Excel users keep them.
            if c == 2 || c == 10 {
                ws.write_number(r as u32 + 1, c as u16, v.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                ws.write_string(r as u32 + 1, c as u16, v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

/// Peak resident memory of this process since the last reset, in MiB.
fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resets the peak to the current resident size (Linux: `clear_refs` 5); says whether it took.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
        && (status_mib("VmHWM:") - status_mib("VmRSS:")).abs() < 1.0
}

struct Run {
    report: Value,
    rss_before_mib: f64,
    reset: bool,
    wall: Duration,
    peak_mib: f64,
    probe_max_ms: f64,
    probes: usize,
}

async fn import(app: &TestApp, token: &str, body: Vec<u8>, content_type: &str, probe: bool) -> Run {
    let rss_before_mib = status_mib("VmRSS:");
    let reset = reset_peak();
    let started = Instant::now();
    let res = app
        .client
        .post(app.url("/api/v1/admin/imports?kind=care_people"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let accepted: Value = res.json().await.unwrap();
    let url = accepted["report_url"]
        .as_str()
        .expect("accepted")
        .to_string();
    let (mut probe_max_ms, mut probes) = (0f64, 0);
    loop {
        if probe {
            let t = Instant::now();
            app.get("/api/v1/care/people?limit=1", Some(token))
                .await
                .assert_status(200);
            probe_max_ms = probe_max_ms.max(t.elapsed().as_secs_f64() * 1000.0);
            probes += 1;
        }
        let report = app.get(&url, Some(token)).await.body;
        if matches!(report["status"].as_str(), Some("done" | "failed")) {
            return Run {
                report,
                rss_before_mib,
                reset,
                wall: started.elapsed(),
                peak_mib: peak_rss_mib(),
                probe_max_ms,
                probes,
            };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn print(label: &str, n: usize, run: &Run) {
    let r = &run.report;
    let server_secs = match (r["started_at"].as_str(), r["finished_at"].as_str()) {
        (Some(a), Some(b)) => {
            let a = chrono::DateTime::parse_from_rfc3339(a).unwrap();
            let b = chrono::DateTime::parse_from_rfc3339(b).unwrap();
            (b - a).num_milliseconds() as f64 / 1000.0
        }
        _ => f64::NAN,
    };
    println!(
        "| {label} | {n} | {} / {} / {} / {} | {:.0} | {:.0} | {:.0} → {:.0}{} | {} |",
        r["created"],
        r["updated"],
        r["unchanged"],
        r["error_rows"],
        n as f64 / server_secs,
        n as f64 / run.wall.as_secs_f64(),
        run.rss_before_mib,
        run.peak_mib,
        if run.reset { "" } else { " (peak not reset)" },
        r["longest_transaction_ms"],
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let app = TestApp::builder(Backend::Postgres)
        .settings(|raw| {
            raw.ztc_care_scan_secs = Some("86400".into());
            raw.ztc_import_max_mb = Some("256".into());
        })
        .spawn()
        .await;
    app.seed_demo().await;
    let (_, admin) = app.staff_token("admin", "120101").await;
    let data = rows(n);
    let csv_bytes = csv(&data);
    let xlsx_bytes = xlsx(&data);
    println!(
        "{n} people: CSV {:.1} MiB, XLSX {:.1} MiB; batches of {} rows",
        csv_bytes.len() as f64 / 1048576.0,
        xlsx_bytes.len() as f64 / 1048576.0,
        app.state.settings.care.import_batch_rows
    );
    println!(
        "| import | rows | created / updated / unchanged / errors | rows/s (server) | rows/s (wall) | RSS before → peak (MiB) | longest txn (ms) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let first = import(&app, &admin, csv_bytes.clone(), "text/csv", true).await;
    print("CSV, empty registry", n, &first);
    let again = import(&app, &admin, csv_bytes, "text/csv", false).await;
    print("same CSV again", n, &again);
    let x = import(&app, &admin, xlsx_bytes, "application/octet-stream", false).await;
    print("same content as XLSX", n, &x);
    println!(
        "During the first import, `GET /api/v1/care/people?limit=1` answered {} times, slowest {:.0} ms.",
        first.probes, first.probe_max_ms
    );
}
