//! Spreadsheets as government staff use them: reading CSV (a UTF-8 BOM stripped) and XLSX
//! (calamine) into rows of text, and writing CSV (with a BOM, so Excel reads Chinese) and XLSX
//! (rust_xlsxwriter: typed numbers and dates, a bold frozen header, column widths).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One cell to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A column: its header and width (in characters).
pub struct Column<'a> {
    pub header: &'a str,
    pub width: f64,
}

/// CSV with a UTF-8 BOM.
pub fn csv(columns: &[Column<'_>], rows: &[Vec<Cell>]) -> anyhow::Result<Vec<u8>> {
    let mut buf = BOM.to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        w.write_record(columns.iter().map(|c| c.header))?;
        for row in rows {
            w.write_record(row.iter().map(Cell::text))?;
        }
        w.flush()?;
    }
    Ok(buf)
}

/// An XLSX workbook of one sheet (named in Chinese), plus an optional sheet of notes
/// (column → explanation).
pub fn xlsx(
    sheet: &str,
    columns: &[Column<'_>],
    rows: &[Vec<Cell>],
    notes: Option<(&str, &[(String, String)])>,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let header = Format::new().set_bold().set_background_color("#DDEBF7");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    for (c, col) in columns.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, col.header, &header)?;
        ws.set_column_width(c, col.width)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                // Text stays text (an ID number must never become 1.1e17).
                Cell::Text(s) => ws.write_string_with_format(r, c, s, &text)?,
                Cell::Number(n) => ws.write_number(r, c, *n)?,
                Cell::Date(d) => {
                    let dt =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    ws.write_datetime_with_format(r, c, &dt, &date)?
                }
                Cell::Empty => ws,
            };
        }
    }
    if !columns.is_empty() {
        ws.autofilter(0, 0, rows.len() as u32, columns.len() as u16 - 1)?;
    }
    if let Some((name, lines)) = notes {
        let ns = wb.add_worksheet();
        ns.set_name(name)?;
        ns.write_string_with_format(0, 0, "列", &header)?;
        ns.write_string_with_format(0, 1, "填写说明", &header)?;
        ns.set_column_width(0, 16)?;
        ns.set_column_width(1, 80)?;
        for (i, (k, v)) in lines.iter().enumerate() {
            ns.write_string(i as u32 + 1, 0, k)?;
            ns.write_string(i as u32 + 1, 1, v)?;
        }
    }
    wb.save_to_buffer()
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("文件不是有效的 UTF-8 编码的 CSV(请在 Excel 中另存为“CSV UTF-8”):{0}")]
    Csv(String),
    #[error("文件不是有效的 XLSX 工作簿:{0}")]
    Xlsx(String),
    #[error("工作簿中没有工作表")]
    NoSheet,
}

/// A row as read: its number as the spreadsheet shows it (the header is row 1) and its cells.
pub type Row = (u32, Vec<String>);

/// The rows of a CSV file as text, the header first.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Row>, ReadError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let (mut line, mut counted) = (1u32, 0usize);
    for rec in r.records() {
        let rec = rec.map_err(|e| ReadError::Csv(e.to_string()))?;
        // The line a record starts on, counted from its byte offset (the reader's own line
        // count lags by one after a CRLF, and quoted fields may span lines).
        let mut start = rec
            .position()
            .map_or(counted, |p| p.byte() as usize)
            .min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += bytes[counted.min(start)..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u32;
        counted = start;
        rows.push((line, rec.iter().map(|s| s.trim().to_string()).collect()));
    }
    Ok(rows)
}

/// A cell as text the way a person typed it: whole numbers without `.0`, dates `YYYY-MM-DD`.
/// A number too long to be exact (an ID number typed as a number) is kept with a marker so
/// the row's check can say so.
fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => format!("{NUMBER_MARK}{f}"),
        Data::Bool(b) => if *b { "是" } else { "否" }.into(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// Prefix of a cell that held a number Excel cannot store exactly.
pub const NUMBER_MARK: &str = "\u{1}number:";

/// The rows of the first sheet of an XLSX workbook as text, the header first.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Row>, ReadError> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| ReadError::Xlsx(e.to_string()))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or(ReadError::NoSheet)?
        .map_err(|e| ReadError::Xlsx(e.to_string()))?;
    // The range starts at the sheet's first used cell: number rows as Excel shows them.
    let first = range.start().map_or(0, |(row, _)| row);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, r)| (first + i as u32 + 1, r.iter().map(cell_text).collect()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_written_is_read_back_without_its_bom() {
        let cols = [
            Column {
                header: "姓名",
                width: 8.0,
            },
            Column {
                header: "年龄",
                width: 6.0,
            },
        ];
        let rows = vec![vec![Cell::Text("王秀英".into()), Cell::Number(81.0)]];
        let bytes = csv(&cols, &rows).unwrap();
        assert!(bytes.starts_with(BOM));
        let back = read_csv(&bytes).unwrap();
        assert_eq!(back[1], (2, vec!["王秀英".to_string(), "81".to_string()]));
        assert_eq!(back[0].1, ["姓名", "年龄"]);
        // Windows line ends and a quoted field over two lines keep the numbering right.
        let crlf = read_csv("a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n".as_bytes()).unwrap();
        let lines: Vec<u32> = crlf.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, [1, 2, 4]);
    }

    #[test]
    fn an_xlsx_keeps_text_numbers_and_dates_apart() {
        let cols = [
            Column {
                header: "身份证号",
                width: 20.0,
            },
            Column {
                header: "年龄",
                width: 6.0,
            },
            Column {
                header: "日期",
                width: 12.0,
            },
        ];
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let rows = vec![vec![
            Cell::Text("11010519491231002X".into()),
            Cell::Number(76.0),
            Cell::Date(day),
        ]];
        let bytes = xlsx(
            "名册",
            &cols,
            &rows,
            Some(("说明", &[("a".into(), "b".into())])),
        )
        .unwrap();
        let back = read_xlsx(&bytes).unwrap();
        assert_eq!(back[1].0, 2);
        assert_eq!(back[1].1, ["11010519491231002X", "76", "2026-12-02"]);
    }
}
