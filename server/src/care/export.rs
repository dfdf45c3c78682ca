//! The registry as a spreadsheet (CSV or XLSX), inside the caller's subtree: numbers masked,
//! ages and intervals as numbers, dates as dates.

use chrono::NaiveDate;

use crate::{
    care::{
        domain::{VisitState, tier_name},
        views::Lookup,
    },
    sheets::{Cell, Column},
};

pub const SHEET: &str = "重点关爱对象名册";

pub const COLUMNS: &[Column<'static>] = &[
    Column {
        header: "姓名",
        width: 10.0,
    },
    Column {
        header: "身份证号(脱敏)",
        width: 22.0,
    },
    Column {
        header: "手机号(脱敏)",
        width: 14.0,
    },
    Column {
        header: "年龄",
        width: 6.0,
    },
    Column {
        header: "社区",
        width: 14.0,
    },
    Column {
        header: "网格",
        width: 18.0,
    },
    Column {
        header: "分组",
        width: 28.0,
    },
    Column {
        header: "走访间隔(天)",
        width: 12.0,
    },
    Column {
        header: "责任人",
        width: 10.0,
    },
    Column {
        header: "上次走访",
        width: 12.0,
    },
    Column {
        header: "下次应访",
        width: 12.0,
    },
    Column {
        header: "走访状态",
        width: 10.0,
    },
    Column {
        header: "逾期天数",
        width: 10.0,
    },
    Column {
        header: "居住地址",
        width: 30.0,
    },
];

fn state_label(s: VisitState) -> &'static str {
    match s {
        VisitState::OnTrack => "正常",
        VisitState::DueSoon => "即将到期",
        VisitState::Due => "今日应访",
        VisitState::Overdue => "已逾期",
    }
}

pub fn rows(
    people: &[entity::care_people::Model],
    lookup: &Lookup,
    today: NaiveDate,
) -> Vec<Vec<Cell>> {
    people
        .iter()
        .map(|p| {
            let s = lookup.summary(p);
            let groups: Vec<String> = s
                .groups
                .iter()
                .map(|g| format!("{}:{}", g.group_name, tier_name(g.tier)))
                .collect();
            let overdue = (today - p.visit_due_on).num_days().max(0);
            let text = |v: Option<String>| v.map_or(Cell::Empty, Cell::Text);
            vec![
                Cell::Text(p.name.clone()),
                Cell::Text(p.id_masked.clone()),
                text(p.phone_masked.clone()),
                Cell::Number(f64::from(s.age)),
                text(s.community.map(|n| n.name)),
                text(s.grid.map(|n| n.name)),
                Cell::Text(groups.join(";")),
                Cell::Number(f64::from(s.schedule.interval_days)),
                text(s.worker.map(|w| w.name)),
                p.last_visited_at.map_or(Cell::Empty, |t| {
                    Cell::Date(crate::calendar::domain::local_date(t))
                }),
                Cell::Date(p.visit_due_on),
                Cell::Text(state_label(s.schedule.state).into()),
                Cell::Number(overdue as f64),
                Cell::Text(p.address.clone()),
            ]
        })
        .collect()
}
