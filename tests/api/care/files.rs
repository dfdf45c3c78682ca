//! Generated spreadsheets for the import tests: a 1,000-row registry with valid ID numbers
//! (GB 11643 check digit computed here) and seven bad rows of known kinds, as CSV and XLSX, and
//! the upload helpers.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;
use tests::{TestApp, TestResponse, eventually};

use super::support::{FUAN, GRID1, XINJIN};

pub(crate) const HEADER: [&str; 14] = [
    "姓名",
    "身份证号",
    "手机号",
    "社区代码",
    "网格代码",
    "分组",
    "责任人用户名",
    "居住地址",
    "联系人类型",
    "联系人姓名",
    "联系人关系",
    "联系人手机号",
    "上次走访日期",
    "备注",
];

/// A valid ID number of 和平区 for the `n`-th person (distinct birth dates).
pub(crate) fn generated_id(n: usize) -> String {
    let birth =
        chrono::NaiveDate::from_ymd_opt(1935, 1, 1).unwrap() + chrono::Duration::days(n as i64 * 7);
    let body = format!("120101{}{:03}", birth.format("%Y%m%d"), 100 + n % 800);
    let check = zhitongche::privacy::id_number::check_char(&body).unwrap();
    format!("{body}{check}")
}

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

/// The rows with problems (0-based data index), their spreadsheet row, the column reported.
pub(crate) const BAD: [(usize, &str); 7] = [
    (10, "身份证号"),
    (150, "分组"),
    (299, "姓名"),
    (420, "手机号"),
    (555, "社区代码"),
    (777, "身份证号"),
    (999, "上次走访日期"),
];

/// One cell value of the file, typed as a person would type it in Excel.
#[derive(Clone)]
pub(crate) enum V {
    Text(String),
    Number(f64),
    Date(u16, u8, u8),
}

impl V {
    fn csv(&self) -> String {
        match self {
            V::Text(s) => s.clone(),
            V::Number(n) => format!("{n:.0}"),
            V::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
        }
    }
}

/// `n` rows of people (the bad ones spoilt), `worker` assigned to every tenth row in 福安.
pub(crate) fn people_rows(n: usize, worker: &str) -> Vec<Vec<V>> {
    let t = |s: &str| V::Text(s.to_string());
    (0..n)
        .map(|i| {
            let fuan = i % 2 == 0;
            let mut row = vec![
                t(&format!("{}{}", SURNAMES[i % 10], GIVEN[(i / 10) % 10])),
                t(&generated_id(i)),
                V::Number(13_900_000_000.0 + i as f64),
                t(if fuan { FUAN } else { XINJIN }),
                t(if fuan && i % 3 == 0 { GRID1 } else { "" }),
                t(GROUPS[i % 4]),
                t(if fuan && i % 10 == 0 { worker } else { "" }),
                t(&format!("和平区福安大街 {i} 号")),
                t(""),
                t(""),
                t(""),
                t(""),
                if i % 4 == 0 {
                    V::Date(2026, 11, (i % 25) as u8 + 1)
                } else {
                    t("")
                },
                t(""),
            ];
            if i % 5 == 0 {
                row[8] = t("联系人");
                row[9] = t("李华");
                row[10] = t("女儿");
                row[11] = V::Number(13_700_000_000.0 + i as f64);
            }
            match i {
                10 => {
                    let good = generated_id(10);
                    let wrong = if good.ends_with('1') { '2' } else { '1' };
                    row[1] = t(&format!("{}{wrong}", &good[..17]));
                }
                150 => row[5] = t("不存在的组:一级"),
                299 => row[0] = t(""),
                420 => row[2] = V::Number(12345.0),
                555 => row[3] = t("120103002001"),
                777 => row[1] = t(&generated_id(5)),
                999 => row[12] = V::Date(2099, 1, 1),
                _ => {}
            }
            row
        })
        .collect()
}

/// The rows as CSV with a UTF-8 BOM, as Excel saves "CSV UTF-8".
pub(crate) fn csv(header: &[&str], rows: &[Vec<V>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in rows {
        let cells: Vec<String> = r.iter().map(|v| v.csv()).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The same rows as an XLSX workbook: numbers as numbers, dates as dates, text as text.
pub(crate) fn xlsx(header: &[&str], rows: &[Vec<V>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.set_name("名册").unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match v {
                V::Text(s) if s.is_empty() => {}
                V::Text(s) => {
                    ws.write_string(r, c, s).unwrap();
                }
                V::Number(n) => {
                    ws.write_number(r, c, *n).unwrap();
                }
                V::Date(y, m, d) => {
                    ws.write_datetime_with_format(
                        r,
                        c,
                        ExcelDateTime::from_ymd(*y, *m, *d).unwrap(),
                        &date,
                    )
                    .unwrap();
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

/// Uploads `bytes` as the raw body.
pub(crate) async fn upload_raw(
    app: &TestApp,
    token: &str,
    kind: &str,
    bytes: Vec<u8>,
) -> TestResponse {
    let req = app
        .client
        .post(app.url(&format!("/api/v1/admin/imports?kind={kind}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(bytes);
    tests::into_test_response(req.send().await.unwrap()).await
}

/// Uploads `bytes` as a browser form would: `multipart/form-data` with `kind` and `file`.
pub(crate) async fn upload_form(
    app: &TestApp,
    token: &str,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
) -> TestResponse {
    let boundary = "----ztc-test-boundary-7MA4YWxk";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = app
        .client
        .post(app.url("/api/v1/admin/imports"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    tests::into_test_response(req.send().await.unwrap()).await
}

/// Waits for an import to finish and returns its report.
pub(crate) async fn finished(app: &TestApp, token: &str, accepted: &TestResponse) -> Value {
    accepted.assert_status(202);
    let url = accepted.body["report_url"].as_str().unwrap().to_string();
    eventually(120, "the import to finish", || async {
        let r = app.get(&url, Some(token)).await;
        matches!(r.body["status"].as_str(), Some("done" | "failed")).then_some(r.body)
    })
    .await
}

/// (row, column) of each reported problem.
pub(crate) fn problems(report: &Value) -> Vec<(i64, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
