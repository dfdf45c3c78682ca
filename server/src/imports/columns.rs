//! The columns of each kind of import: the header a spreadsheet carries (Chinese, or the
//! English key), whether it must be filled, and what to write in it. Reading a file turns its
//! rows into records keyed by column.

use std::collections::HashMap;

use entity::care_enums::ImportKind;

use crate::sheets::{NUMBER_MARK, Row};

#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub key: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub help: &'static str,
}

const fn col(key: &'static str, label: &'static str, required: bool, help: &'static str) -> Col {
    Col {
        key,
        label,
        required,
        help,
    }
}

pub const JURISDICTIONS: &[Col] = &[
    col(
        "code",
        "区划代码",
        true,
        "数字和字母,1–32 位;区县用 GB/T 2260 代码",
    ),
    col("name", "名称", true, "如 福安社区、福安社区第一网格"),
    col("level", "层级", true, "市、区、街道(乡镇)、社区(村)、网格"),
    col(
        "parent_code",
        "上级区划代码",
        true,
        "须已存在,或在本文件的前面几行;市级区划只能用命令行导入",
    ),
];

pub const STAFF: &[Col] = &[
    col(
        "username",
        "用户名",
        true,
        "3–32 个小写字母、数字或 . _ -;重复导入按用户名更新",
    ),
    col("display_name", "姓名", false, "显示在办理记录上"),
    col(
        "role",
        "角色",
        true,
        "管理员、督办、审批、社区工作者、话务员、网格员",
    ),
    col(
        "jurisdiction_code",
        "区划代码",
        true,
        "账号所属区划;网格员须设在网格",
    ),
    col(
        "password",
        "初始密码",
        false,
        "新账号必填:至少 10 位,含字母和数字;已有账号的密码不会被导入修改",
    ),
    col("disabled", "停用", false, "是 / 否,默认否"),
];

pub const CARE_PEOPLE: &[Col] = &[
    col("name", "姓名", true, ""),
    col(
        "id_number",
        "身份证号",
        true,
        "18 位,请设为文本格式;重复导入按身份证号更新",
    ),
    col("phone", "手机号", false, "11 位手机号"),
    col("community_code", "社区代码", true, "社区(村)的区划代码"),
    col("grid_code", "网格代码", false, "属于该社区的网格"),
    col(
        "groups",
        "分组",
        true,
        "分组名称:等级,多个用分号隔开,如 孤寡老人:一级;低保对象:2",
    ),
    col(
        "worker",
        "责任人用户名",
        false,
        "本社区的社区工作者或本网格的网格员",
    ),
    col("address", "居住地址", false, ""),
    col(
        "contact_kind",
        "联系人类型",
        false,
        "监护人 或 联系人(默认);未满 14 周岁须填监护人",
    ),
    col("contact_name", "联系人姓名", false, ""),
    col("contact_relation", "联系人关系", false, "如 女儿、邻居"),
    col("contact_phone", "联系人手机号", false, ""),
    col(
        "last_visit_date",
        "上次走访日期",
        false,
        "YYYY-MM-DD;下次走访从这天起算",
    ),
    col("note", "备注", false, ""),
];

pub fn columns(kind: ImportKind) -> &'static [Col] {
    match kind {
        ImportKind::Jurisdictions => JURISDICTIONS,
        ImportKind::Staff => STAFF,
        ImportKind::CarePeople => CARE_PEOPLE,
    }
}

/// The label of a column key (for error reports).
pub fn label(kind: ImportKind, key: &str) -> &'static str {
    columns(kind)
        .iter()
        .find(|c| c.key == key)
        .map_or("", |c| c.label)
}

/// One data row: its number in the spreadsheet and its cells by column key.
#[derive(Debug, Clone)]
pub struct Record {
    pub row: u32,
    cells: HashMap<&'static str, String>,
}

impl Record {
    /// The cell's text, trimmed; empty when the column is absent.
    pub fn get(&self, key: &str) -> &str {
        self.cells.get(key).map_or("", |s| s.as_str())
    }

    pub fn opt(&self, key: &str) -> Option<&str> {
        Some(self.get(key)).filter(|s| !s.is_empty())
    }

    /// A cell holding a number too long to be exact (an ID number typed as a number).
    pub fn inexact(&self, key: &str) -> bool {
        self.get(key).starts_with(NUMBER_MARK)
    }
}

/// A problem with the file as a whole (no header, missing columns).
#[derive(Debug)]
pub struct HeaderError(pub String);

/// Matches the header row to the kind's columns and turns every non-blank row into a record.
pub fn records(kind: ImportKind, rows: Vec<Row>) -> Result<Vec<Record>, HeaderError> {
    let cols = columns(kind);
    let mut rows = rows
        .into_iter()
        .skip_while(|(_, cells)| cells.iter().all(|c| c.trim().is_empty()));
    let Some((_, header)) = rows.next() else {
        return Err(HeaderError("文件是空的:第一行应为表头(可下载模板)".into()));
    };
    let mut index: Vec<(usize, &'static str)> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        if let Some(c) = cols
            .iter()
            .find(|c| c.label == h || c.key.eq_ignore_ascii_case(h))
        {
            index.push((i, c.key));
        }
    }
    let missing: Vec<&str> = cols
        .iter()
        .filter(|c| c.required && !index.iter().any(|(_, k)| *k == c.key))
        .map(|c| c.label)
        .collect();
    if !missing.is_empty() {
        return Err(HeaderError(format!(
            "表头缺少必填列:{}(可下载模板对照)",
            missing.join("、")
        )));
    }
    Ok(rows
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .map(|(row, cells)| Record {
            row,
            cells: index
                .iter()
                .filter_map(|(i, k)| cells.get(*i).map(|v| (*k, v.trim().to_string())))
                .collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: u32, cells: &[&str]) -> Row {
        (n, cells.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn headers_match_by_label_or_key_in_any_order_and_blank_rows_are_skipped() {
        let rows = vec![
            row(1, &["名称", "code", "层级", "上级区划代码", "多余"]),
            row(2, &["福安社区", "120101001001", "社区", "120101001", "x"]),
            row(3, &["", "", "", "", ""]),
            row(4, &["新津社区", "120101001002", "社区", "120101001", ""]),
        ];
        let recs = records(ImportKind::Jurisdictions, rows).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!((recs[1].row, recs[1].get("code")), (4, "120101001002"));
        assert_eq!(recs[0].get("name"), "福安社区");
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let err = records(ImportKind::Staff, vec![row(1, &["用户名", "角色"])]).unwrap_err();
        assert!(err.0.contains("区划代码"), "{}", err.0);
        assert!(records(ImportKind::Staff, vec![]).is_err());
    }
}
