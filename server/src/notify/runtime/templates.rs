//! Subscribe-message templates: which template an event uses and how its fields are filled,
//! with WeChat's value rules (`thing` ≤ 20 characters, `phrase` ≤ 5 Chinese characters, time
//! formats…) applied by counting characters, never bytes.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::{calendar::domain::china, config::WechatSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    AssistanceType,
    Status,
    Time,
    Date,
    Reference,
    Note,
    Amount,
    Community,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Template {
    pub template_id: String,
    pub title: String,
    /// Exact event types, or a prefix ending in `*` (`application.*`).
    pub events: Vec<String>,
    /// Mini-program page; `{application_id}` is replaced.
    #[serde(default)]
    pub page: String,
    /// WeChat data key (`thing1`, `phrase2`, …) → what fills it.
    pub fields: BTreeMap<String, Source>,
}

#[derive(Debug, Clone, Deserialize)]
struct File {
    templates: Vec<Template>,
}

#[derive(Debug, Clone)]
pub struct Templates {
    list: Vec<Template>,
}

/// What a notice can say about a case.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub application_id: String,
    pub assistance_type: String,
    pub status_label: String,
    pub at: DateTime<Utc>,
    pub reference: String,
    pub note: Option<String>,
    pub amount_yuan: Option<f64>,
    pub community: String,
}

impl Templates {
    /// From `WECHAT_TEMPLATES_FILE`, or the built-in progress template.
    pub fn load(settings: &WechatSettings) -> anyhow::Result<Templates> {
        if let Some(path) = &settings.templates_file {
            let file: File = config::Config::builder()
                .add_source(config::File::from(path.as_path()).format(config::FileFormat::Toml))
                .build()
                .and_then(|c| c.try_deserialize())
                .with_context(|| format!("WECHAT_TEMPLATES_FILE: reading {}", path.display()))?;
            if file.templates.is_empty() {
                anyhow::bail!("WECHAT_TEMPLATES_FILE: no templates in {}", path.display());
            }
            return Ok(Templates {
                list: file.templates,
            });
        }
        Ok(Templates::progress(&settings.progress_template_id))
    }

    /// One template for every step of a case: type, status, time, a note and the reference.
    pub fn progress(template_id: &str) -> Templates {
        let fields = [
            ("thing1", Source::AssistanceType),
            ("phrase2", Source::Status),
            ("time3", Source::Time),
            ("thing4", Source::Note),
            ("character_string5", Source::Reference),
        ]
        .into_iter()
        .map(|(k, s)| (k.to_string(), s))
        .collect();
        Templates {
            list: vec![Template {
                template_id: template_id.to_string(),
                title: "救助申请进度提醒".into(),
                events: vec!["application.*".into()],
                page: "pages/applications/detail?id={application_id}".into(),
                fields,
            }],
        }
    }

    pub fn for_event(&self, event: &str) -> Option<&Template> {
        self.list.iter().find(|t| {
            t.events.iter().any(|e| match e.strip_suffix('*') {
                Some(prefix) => event.starts_with(prefix),
                None => e == event,
            })
        })
    }

    pub fn all(&self) -> &[Template] {
        &self.list
    }

    pub fn knows(&self, template_id: &str) -> bool {
        self.list.iter().any(|t| t.template_id == template_id)
    }
}

fn kind_of(key: &str) -> &str {
    key.trim_end_matches(|c: char| c.is_ascii_digit())
}

fn is_chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Applies WeChat's limit for a value of `kind`; never returns an empty value.
pub fn fit(kind: &str, raw: &str) -> String {
    let clean: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string();
    let value = match kind {
        "thing" => {
            if clean.chars().count() > 20 {
                clean.chars().take(19).chain(std::iter::once('…')).collect()
            } else {
                clean
            }
        }
        "phrase" => clean.chars().filter(|c| is_chinese(*c)).take(5).collect(),
        "name" => {
            if clean.chars().all(is_chinese) {
                clean.chars().take(10).collect()
            } else {
                clean
                    .chars()
                    .filter(|c| c.is_ascii_graphic())
                    .take(20)
                    .collect()
            }
        }
        "character_string" => clean
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(32)
            .collect(),
        "number" => clean
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .take(32)
            .collect(),
        "letter" => clean
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .take(32)
            .collect(),
        "symbol" => clean
            .chars()
            .filter(|c| c.is_ascii_punctuation())
            .take(5)
            .collect(),
        "phone_number" => clean
            .chars()
            .filter(|c| c.is_ascii_digit() || matches!(c, '-' | '+'))
            .take(17)
            .collect(),
        _ => clean.chars().take(20).collect(),
    };
    if value.is_empty() {
        match kind {
            "phrase" => "已更新".into(),
            "character_string" | "number" => "0".into(),
            _ => "无".into(),
        }
    } else {
        value
    }
}

fn source_value(source: Source, kind: &str, ctx: &Context) -> String {
    let local = ctx.at.with_timezone(&china());
    match source {
        Source::AssistanceType => ctx.assistance_type.clone(),
        Source::Status => ctx.status_label.clone(),
        Source::Time => local.format("%Y年%m月%d日 %H:%M").to_string(),
        Source::Date => local.format("%Y年%m月%d日").to_string(),
        Source::Reference => ctx.reference.clone(),
        Source::Note => ctx
            .note
            .clone()
            .unwrap_or_else(|| "点击查看办理进度".into()),
        Source::Amount => match (ctx.amount_yuan, kind) {
            (Some(a), "amount") => format!("{a:.2}元"),
            (Some(a), _) => format!("{a:.2}"),
            (None, _) => "0".into(),
        },
        Source::Community => ctx.community.clone(),
    }
}

/// The `data` of a subscribe message.
pub fn render(t: &Template, ctx: &Context) -> BTreeMap<String, String> {
    t.fields
        .iter()
        .map(|(key, source)| {
            let kind = kind_of(key);
            (key.clone(), fit(kind, &source_value(*source, kind, ctx)))
        })
        .collect()
}

pub fn page(t: &Template, ctx: &Context) -> Option<String> {
    (!t.page.is_empty()).then(|| t.page.replace("{application_id}", &ctx.application_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cut_by_characters_not_bytes() {
        let long = "家中突发火灾房屋烧毁无处居住急需临时救助帮助";
        let v = fit("thing", long);
        assert_eq!(v.chars().count(), 20);
        assert!(v.ends_with('…'));
        assert_eq!(fit("thing", "短说明"), "短说明");
        assert_eq!(fit("phrase", "待补充材料"), "待补充材料");
        assert_eq!(fit("phrase", "已先行救助啦"), "已先行救助");
        assert_eq!(fit("phrase", "OK!"), "已更新");
        assert_eq!(fit("character_string", "ZT261129001234"), "ZT261129001234");
        assert_eq!(fit("thing", "换\n行"), "换行");
        assert_eq!(fit("thing", ""), "无");
    }

    #[test]
    fn the_progress_template_fills_every_field_within_limits() {
        let t = Templates::progress("tmpl");
        let tpl = t.for_event("application.approve").unwrap();
        let ctx = Context {
            application_id: "a1".into(),
            assistance_type: "最低生活保障".into(),
            status_label: "已批准".into(),
            at: chrono::DateTime::parse_from_rfc3339("2026-11-29T07:01:00Z")
                .unwrap()
                .with_timezone(&Utc),
            reference: "ZT261129000001".into(),
            note: Some("批准金额 1130.00 元,按月发放到社保卡".into()),
            ..Context::default()
        };
        let data = render(tpl, &ctx);
        assert_eq!(data["time3"], "2026年11月29日 15:01");
        assert_eq!(data["phrase2"], "已批准");
        assert!(data.values().all(|v| !v.is_empty()));
        assert!(data["thing4"].chars().count() <= 20);
        assert_eq!(page(tpl, &ctx).unwrap(), "pages/applications/detail?id=a1");
        assert!(t.for_event("hotline.help_request").is_none());
    }
}
