//! Importing the jurisdiction tree (a city's ~5,000 communities and their grids): each row is
//! checked like the admin API's create, matched by code, created or renamed. A parent may be a
//! node written earlier in the same file. Moving a node is not an import's business.

use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use entity::jurisdictions as nodes;

use crate::{
    audit::{self, Entry},
    error::AppError,
    imports::{
        batch::{self, Ctx, Problems, Tally, finish_batch},
        columns::Record,
    },
    jurisdictions::{
        Level,
        domain::{Code, child_path, parse_name, root_path},
        store as juris,
    },
};

enum Plan {
    Create {
        code: Code,
        name: String,
        level: Level,
        parent: Option<String>,
    },
    Rename {
        node: nodes::Model,
        name: String,
    },
}

/// A level as a spreadsheet writes it.
pub fn parse_level(s: &str) -> Option<Level> {
    Level::parse(s.trim()).or(match s.trim() {
        "市" => Some(Level::City),
        "区" | "县" | "区县" => Some(Level::District),
        "街道" | "乡镇" | "乡" | "镇" | "街道/乡镇" => Some(Level::Street),
        "社区" | "村" | "社区/村" => Some(Level::Community),
        "网格" => Some(Level::Grid),
        _ => None,
    })
}

fn db_err(e: AppError) -> DbErr {
    match e {
        AppError::Database(e) => e,
        other => DbErr::Custom(other.to_string()),
    }
}

fn audit_actor(ctx: &Ctx<'_>) -> audit::Actor {
    ctx.actor.map_or(audit::Actor::System, audit::Actor::Staff)
}

async fn plan(ctx: &mut Ctx<'_>, r: &Record) -> Result<Result<Option<Plan>, Problems>, DbErr> {
    let mut p = Problems::new();
    let code = Code::parse(r.get("code"))
        .map_err(|e| p.push(("code", e)))
        .ok();
    let name = parse_name(r.get("name"))
        .map_err(|e| p.push(("name", e)))
        .ok();
    let level = parse_level(r.get("level"));
    if level.is_none() {
        p.push(("level", "层级应为 市、区、街道、社区 或 网格".into()));
    }
    let (Some(code), Some(name), Some(level)) = (code, name, level) else {
        return Ok(Err(p));
    };
    if let Some(first) = ctx.first_seen(format!("code:{}", code.as_str()), r.row) {
        return Ok(Err(vec![(
            "code",
            format!("与第 {first} 行的区划代码重复"),
        )]));
    }
    let parent_code = r.opt("parent_code").map(|c| c.to_ascii_uppercase());
    // The parent: stored, or planned earlier in this file.
    let parent: Option<(Level, String)> = match &parent_code {
        None if level == Level::City && ctx.scope.is_none() => None,
        None => {
            return Ok(Err(vec![(
                "parent_code",
                "请填写上级区划代码(市级区划只能用命令行导入)".into(),
            )]));
        }
        Some(pc) => {
            let found = match ctx.dir.node(&ctx.state.db, pc).await? {
                Some(n) => Level::parse(&n.level).map(|l| (l, n.path)),
                None => ctx.planned_nodes.get(pc).cloned(),
            };
            match found {
                Some(f) => Some(f),
                None => {
                    return Ok(Err(vec![(
                        "parent_code",
                        "上级区划不存在,请先导入上级,或把上级放在本文件的前面".into(),
                    )]));
                }
            }
        }
    };
    if let Some((parent_level, _)) = &parent
        && parent_level.child() != Some(level)
    {
        let expected = parent_level
            .child()
            .map_or("(网格下不能再设下级)", |l| l.label());
        return Ok(Err(vec![(
            "level",
            format!("上级是{},下级应为{expected}", parent_level.label()),
        )]));
    }
    let path = parent
        .as_ref()
        .map_or_else(|| root_path(&code), |(_, pp)| child_path(pp, &code));
    if !ctx.allows(&path) {
        return Ok(Err(vec![("parent_code", "只能在本辖区内导入区划".into())]));
    }
    match ctx.dir.node(&ctx.state.db, code.as_str()).await? {
        Some(node) if node.path == path && Level::parse(&node.level) == Some(level) => {
            ctx.planned_nodes
                .insert(code.as_str().into(), (level, path));
            Ok(Ok(
                (node.name != name).then_some(Plan::Rename { node, name })
            ))
        }
        Some(_) => Ok(Err(vec![(
            "code",
            "该区划代码已存在,但上级或层级与文件不同;导入不能移动区划".into(),
        )])),
        None => {
            ctx.planned_nodes
                .insert(code.as_str().into(), (level, path));
            Ok(Ok(Some(Plan::Create {
                code,
                name,
                level,
                parent: parent_code,
            })))
        }
    }
}

impl batch::Plan for Plan {
    fn creates(&self) -> bool {
        matches!(self, Plan::Create { .. })
    }

    async fn write_one(&self, ctx: &Ctx<'_>, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        write_one(ctx, txn, self).await
    }
}

async fn write_one(ctx: &Ctx<'_>, txn: &DatabaseTransaction, plan: &Plan) -> Result<(), DbErr> {
    let entry = match plan {
        Plan::Create {
            code,
            name,
            level,
            parent,
        } => {
            let parent = match parent {
                Some(pc) => Some(
                    juris::find_by_code(txn, pc)
                        .await?
                        .ok_or_else(|| DbErr::Custom(format!("parent {pc} missing")))?,
                ),
                None => None,
            };
            let node = juris::insert(txn, code, name, *level, parent.as_ref())
                .await
                .map_err(db_err)?;
            Entry::new(audit_actor(ctx), "jurisdiction.create").target("jurisdiction", &node.code)
        }
        Plan::Rename { node, name } => {
            let node = juris::rename(txn, node.clone(), name).await?;
            Entry::new(audit_actor(ctx), "jurisdiction.rename").target("jurisdiction", &node.code)
        }
    };
    audit::record(txn, entry.detail(json!({ "import_id": ctx.job }))).await
}

pub async fn batch(ctx: &mut Ctx<'_>, rows: &[Record]) -> Result<Tally, DbErr> {
    let mut planned = Vec::with_capacity(rows.len());
    for r in rows {
        planned.push((r.row, plan(ctx, r).await?));
    }
    finish_batch(ctx, planned).await
}
