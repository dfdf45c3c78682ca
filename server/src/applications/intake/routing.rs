//! Where a case goes (the scanned entry point's community, or the named one) and the checks
//! every intake shares before anything is written.

use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use entity::{assistance_types, jurisdictions};

use crate::{
    applications::{
        domain::{self, Validated},
        dto::ApplicationInput,
    },
    assistance,
    calendar::domain::local_date,
    db, entry_points,
    error::{AppError, AppResult, FieldErrors, codes},
    jurisdictions::{self as juris, Level},
};

/// The community a case goes to: the scanned entry point's, or the named community.
pub struct Routing {
    pub community: jurisdictions::Model,
    pub entry_point_id: Option<Uuid>,
    pub scene: Option<String>,
}

/// An input that passed every check: its enabled type, where it goes and its parsed fields.
pub struct Checked {
    pub kind: assistance_types::Model,
    pub routing: Routing,
    pub fields: Validated,
}

/// Checks an input completely, collecting every problem at once: the type, the routing and
/// the fields (`complete`: everything the type requires must be there, as at submission).
pub async fn check(
    txn: &DatabaseTransaction,
    input: &ApplicationInput,
    channel: &str,
    complete: bool,
) -> AppResult<Checked> {
    let kind = enabled_type(txn, &input.assistance_type).await?;
    let mut fields = FieldErrors::new();
    let routing = route(txn, input, channel, &mut fields).await?;
    let validated = match domain::validate(input, kind.as_ref(), local_date(db::now()), complete) {
        Ok(v) => Some(v),
        Err(more) => {
            fields.extend(more);
            None
        }
    };
    match (kind, routing, validated) {
        (Some(kind), Some(routing), Some(v)) if fields.is_empty() => Ok(Checked {
            kind,
            routing,
            fields: v,
        }),
        _ => Err(AppError::validation(fields)),
    }
}

pub async fn enabled_type(
    txn: &DatabaseTransaction,
    code: &str,
) -> AppResult<Option<assistance_types::Model>> {
    Ok(assistance::store::find(txn, code.trim())
        .await?
        .filter(|t| t.enabled))
}

fn trimmed(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

pub async fn route(
    txn: &DatabaseTransaction,
    input: &ApplicationInput,
    channel: &str,
    fields: &mut FieldErrors,
) -> AppResult<Option<Routing>> {
    let scene = trimmed(input.scene.as_deref());
    let code = trimmed(input.community_code.as_deref());
    if let Some(scene) = scene {
        return match find_scene(txn, scene).await? {
            Some((ep_id, community)) => {
                if let Some(code) = code
                    && !code.eq_ignore_ascii_case(&community.code)
                {
                    fields.insert(
                        "community_code".into(),
                        "所选社区与扫描的二维码不一致".into(),
                    );
                    return Ok(None);
                }
                Ok(Some(Routing {
                    community,
                    entry_point_id: Some(ep_id),
                    scene: Some(scene.to_string()),
                }))
            }
            None => {
                fields.insert(
                    "scene".into(),
                    "二维码已失效,请重新扫描社区张贴的二维码,或直接选择所在社区".into(),
                );
                Ok(None)
            }
        };
    }
    let Some(code) = code else {
        fields.insert(
            "community_code".into(),
            if channel == "online" {
                "请扫描社区二维码,或选择您所在的社区".into()
            } else {
                "请填写申请人所在社区(村)的区划代码".into()
            },
        );
        return Ok(None);
    };
    match juris::store::find_by_code(txn, code).await? {
        Some(node) if Level::parse(&node.level) == Some(Level::Community) => Ok(Some(Routing {
            community: node,
            entry_point_id: None,
            scene: None,
        })),
        Some(_) => {
            fields.insert("community_code".into(), "请选择社区(村)一级的区划".into());
            Ok(None)
        }
        None => {
            fields.insert("community_code".into(), "所选社区不存在".into());
            Ok(None)
        }
    }
}

/// The enabled entry point of a scene and the community it routes to.
async fn find_scene(
    txn: &DatabaseTransaction,
    scene: &str,
) -> AppResult<Option<(Uuid, jurisdictions::Model)>> {
    Ok(entry_points::store::find_enabled_by_scene(txn, scene)
        .await?
        .filter(|(_, node)| Level::parse(&node.level) == Some(Level::Community))
        .map(|(ep, node)| (ep.id, node)))
}

/// A concurrent writer took the one-open-case key first (PostgreSQL names the constraint
/// `applications_open_key_key`, SQLite the column `applications.open_key`). Any other
/// violation is not a duplicate application and stays an internal error.
pub(crate) fn unique_violation(e: sea_orm::DbErr) -> AppError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(m)) if m.contains("open_key") => {
            AppError::from(codes::DUPLICATE_APPLICATION)
        }
        _ => AppError::Database(e),
    }
}
