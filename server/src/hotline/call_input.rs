//! An operator's call entry parsed at the edge: every problem is collected under its field name,
//! so the operator fixes everything at once while the caller is still on the line.

use crate::{
    db,
    error::FieldErrors,
    hotline::{
        domain::{CallerNumber, Category, parse_external_id},
        dto::CallInput,
    },
    text::{clean_text, parse_person_name},
};

/// An operator's call entry, parsed; every problem is collected under its field name.
pub struct CallFields {
    pub phone: Option<CallerNumber>,
    pub caller_name: Option<String>,
    pub category: Option<Category>,
    pub summary: String,
    pub platform_call_id: Option<String>,
}

pub fn parse_call(input: &CallInput, fields: &mut FieldErrors) -> CallFields {
    let mut err = |f: &str, e: String| {
        fields.insert(f.into(), e);
    };
    let phone = CallerNumber::parse(&input.caller_phone)
        .map_err(|e| err("caller_phone", e))
        .ok();
    let caller_name = match input
        .caller_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(n) => parse_person_name(n).map_err(|e| err("caller_name", e)).ok(),
        None => None,
    };
    let category = Category::parse(&input.category);
    if category.is_none() {
        err(
            "category",
            "来电类别应为 inquiry(咨询)、help(求助)、complaint(投诉)或 follow_up(回访)".into(),
        );
    }
    let summary = match clean_text(&input.summary, 2000, true) {
        Ok(s) if s.is_empty() => {
            err("summary", "请记录来电内容".into());
            s
        }
        Ok(s) => s,
        Err(e) => {
            err("summary", e);
            String::new()
        }
    };
    let platform_call_id = input.platform_call_id.as_deref().and_then(|id| {
        parse_external_id(id, "平台通话编号")
            .map_err(|e| err("platform_call_id", e))
            .ok()
    });
    if input
        .started_at
        .is_some_and(|t| t > db::now() + chrono::Duration::minutes(5))
    {
        err("started_at", "来电时间不能晚于现在".into());
    }
    if input.application.is_some() && input.link_application_id.is_some() {
        err(
            "link_application_id",
            "代为申请和关联已有申请只能二选一".into(),
        );
    }
    if let Some(a) = &input.application {
        if a.draft {
            err(
                "application.draft",
                "电话受理的申请直接提交,不能保存为草稿".into(),
            );
        }
        if a.scene.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            err(
                "application.scene",
                "电话受理请填写社区代码,不使用二维码场景值".into(),
            );
        }
    }
    CallFields {
        phone,
        caller_name,
        category,
        summary,
        platform_call_id,
    }
}
