//! Importing staff accounts: each row is checked like the admin API's create (username, role,
//! the node inside the importer's subtree, admins only below it, grid workers at a grid),
//! matched by username and created or updated. A password is needed for a new account only;
//! an existing account's password is never changed by an import.

use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use entity::{jurisdictions as nodes, staff as accounts};

use crate::{
    audit::{self, Entry},
    auth::{password, store as tokens},
    error::AppError,
    imports::{
        batch::{self, Ctx, Problems, Tally, finish_batch},
        columns::Record,
    },
    jurisdictions::Level,
    staff::{
        Role,
        domain::{Password, Username, parse_display_name},
        store as staff_store,
    },
};

enum Plan {
    Create {
        username: String,
        display_name: Option<String>,
        role: Role,
        node: nodes::Model,
        hash: String,
        disabled: bool,
    },
    Update {
        current: accounts::Model,
        role: Option<Role>,
        node: Option<nodes::Model>,
        display_name: Option<String>,
        disabled: Option<bool>,
    },
}

/// A role as a spreadsheet writes it: its code, its label or its public title.
pub fn parse_role(s: &str) -> Option<Role> {
    let s = s.trim();
    Role::parse(s).or_else(|| {
        Role::ALL
            .into_iter()
            .find(|r| r.label() == s || r.public_title() == s)
    })
}

fn parse_flag(s: &str) -> Result<Option<bool>, String> {
    match s.trim() {
        "" => Ok(None),
        "是" | "true" | "1" | "y" | "yes" | "停用" => Ok(Some(true)),
        "否" | "false" | "0" | "n" | "no" | "启用" => Ok(Some(false)),
        other => Err(format!("“{other}”应为 是 或 否")),
    }
}

fn db_err(e: AppError) -> DbErr {
    match e {
        AppError::Database(e) => e,
        other => DbErr::Custom(other.to_string()),
    }
}

/// Admin accounts go strictly below the importer's node (no admin makes a peer).
fn admin_allowed(ctx: &Ctx<'_>, path: &str) -> bool {
    ctx.scope
        .as_ref()
        .is_none_or(|s| s.contains(path) && path != s.path)
}

async fn plan(ctx: &mut Ctx<'_>, r: &Record) -> Result<Result<Option<Plan>, Problems>, DbErr> {
    let mut p = Problems::new();
    let username = Username::parse(r.get("username"))
        .map_err(|e| p.push(("username", e)))
        .ok();
    let display_name = match r.opt("display_name") {
        Some(n) => parse_display_name(n)
            .map(Some)
            .map_err(|e| p.push(("display_name", e)))
            .ok()
            .flatten(),
        None => None,
    };
    let role = parse_role(r.get("role"));
    if role.is_none() {
        p.push((
            "role",
            "角色应为 管理员、督办、审批、社区工作者、话务员 或 网格员".into(),
        ));
    }
    let disabled = parse_flag(r.get("disabled"))
        .map_err(|e| p.push(("disabled", e)))
        .ok()
        .flatten();
    let node = match ctx
        .dir
        .node(&ctx.state.db, r.get("jurisdiction_code"))
        .await?
    {
        Some(n) => Some(n),
        None => {
            p.push(("jurisdiction_code", "区划不存在".into()));
            None
        }
    };
    let (Some(username), Some(role), Some(node)) = (username, role, node) else {
        return Ok(Err(p));
    };
    if let Some(level) = Level::parse(&node.level)
        && let Err(e) = role.check_post(level)
    {
        p.push(("jurisdiction_code", e));
    }
    if !ctx.allows(&node.path) {
        p.push(("jurisdiction_code", "只能在本辖区内导入工作人员".into()));
    } else if role == Role::Admin && !admin_allowed(ctx, &node.path) {
        p.push(("role", "管理员账号只能设在本辖区的下级区划".into()));
    }
    if !p.is_empty() {
        return Ok(Err(p));
    }
    if let Some(first) = ctx.first_seen(format!("user:{}", username.as_str()), r.row) {
        return Ok(Err(vec![(
            "username",
            format!("与第 {first} 行的用户名重复"),
        )]));
    }
    let db = &ctx.state.db;
    match staff_store::find_by_username(db, username.as_str()).await? {
        Some(current) => {
            let Some((_, current_node)) =
                staff_store::find_with_jurisdiction(db, current.id).await?
            else {
                return Ok(Err(vec![("username", "该账号的区划已不存在".into())]));
            };
            if !ctx.allows(&current_node.path) {
                return Ok(Err(vec![("username", "该用户名已被其他辖区使用".into())]));
            }
            if Some(current.id) == ctx.actor {
                return Ok(Err(vec![("username", "不能通过导入修改自己的账号".into())]));
            }
            let was_admin = Role::parse(&current.role) == Some(Role::Admin);
            if was_admin && !admin_allowed(ctx, &current_node.path) {
                return Ok(Err(vec![(
                    "username",
                    "不能修改同级或上级的管理员账号".into(),
                )]));
            }
            let plan = Plan::Update {
                role: (Role::parse(&current.role) != Some(role)).then_some(role),
                node: (current.jurisdiction_id != node.id).then_some(node),
                display_name: display_name.filter(|n| current.display_name.as_ref() != Some(n)),
                disabled: disabled.filter(|d| *d != current.disabled),
                current,
            };
            let changed = matches!(&plan, Plan::Update { role, node, display_name, disabled, .. }
                if role.is_some() || node.is_some() || display_name.is_some() || disabled.is_some());
            Ok(Ok(changed.then_some(plan)))
        }
        None => {
            let pw = match Password::parse(r.get("password")) {
                Ok(pw) => pw,
                Err(e) => return Ok(Err(vec![("password", format!("新账号须填写初始密码:{e}"))])),
            };
            let hash = password::hash(pw.expose().to_string())
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            Ok(Ok(Some(Plan::Create {
                username: username.as_str().into(),
                display_name,
                role,
                node,
                hash,
                disabled: disabled.unwrap_or(false),
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
    let actor = ctx.actor.map_or(audit::Actor::System, audit::Actor::Staff);
    let entry = match plan {
        Plan::Create {
            username,
            display_name,
            role,
            node,
            hash,
            disabled,
        } => {
            let account = staff_store::insert(
                txn,
                staff_store::NewStaff {
                    username,
                    display_name: display_name.clone(),
                    password_hash: hash.clone(),
                    role: *role,
                    jurisdiction_id: node.id,
                },
            )
            .await
            .map_err(db_err)?;
            if *disabled {
                staff_store::update(
                    txn,
                    account.clone(),
                    staff_store::Changes {
                        role: None,
                        jurisdiction_id: None,
                        disabled: Some(true),
                        display_name: None,
                    },
                )
                .await?;
            }
            Entry::new(actor, "staff.create")
                .target("staff", account.id)
                .detail(json!({ "role": role.as_str(), "jurisdiction": node.code, "import_id": ctx.job }))
        }
        Plan::Update {
            current,
            role,
            node,
            display_name,
            disabled,
        } => {
            let updated = staff_store::update(
                txn,
                current.clone(),
                staff_store::Changes {
                    role: *role,
                    jurisdiction_id: node.as_ref().map(|n| n.id),
                    disabled: *disabled,
                    display_name: display_name.clone(),
                },
            )
            .await?;
            if *disabled == Some(true) {
                tokens::revoke_all(txn, tokens::PrincipalKind::Staff, updated.id).await?;
            }
            Entry::new(actor, "staff.update")
                .target("staff", updated.id)
                .detail(json!({
                    "role": role.map(Role::as_str),
                    "jurisdiction": node.as_ref().map(|n| n.code.clone()),
                    "disabled": disabled,
                    "import_id": ctx.job,
                }))
        }
    };
    audit::record(txn, entry).await
}

pub async fn batch(ctx: &mut Ctx<'_>, rows: &[Record]) -> Result<Tally, DbErr> {
    let mut planned = Vec::with_capacity(rows.len());
    for r in rows {
        planned.push((r.row, plan(ctx, r).await?));
    }
    finish_batch(ctx, planned).await
}
