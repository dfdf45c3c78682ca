//! Demo jurisdictions: 天津市 and its 16 districts with their GB/T 2260 codes, plus a handful of
//! streets, communities and grids (illustrative local codes) so a new user has something to
//! click. Loading is idempotent: existing codes are left as they are.

use sea_orm::DatabaseConnection;

use crate::{
    db,
    jurisdictions::{
        domain::{Code, Level},
        store,
    },
};

/// (code, name, level, parent code)
pub const NODES: &[(&str, &str, Level, Option<&str>)] = &[
    ("120000", "天津市", Level::City, None),
    ("120101", "和平区", Level::District, Some("120000")),
    ("120102", "河东区", Level::District, Some("120000")),
    ("120103", "河西区", Level::District, Some("120000")),
    ("120104", "南开区", Level::District, Some("120000")),
    ("120105", "河北区", Level::District, Some("120000")),
    ("120106", "红桥区", Level::District, Some("120000")),
    ("120110", "东丽区", Level::District, Some("120000")),
    ("120111", "西青区", Level::District, Some("120000")),
    ("120112", "津南区", Level::District, Some("120000")),
    ("120113", "北辰区", Level::District, Some("120000")),
    ("120114", "武清区", Level::District, Some("120000")),
    ("120115", "宝坻区", Level::District, Some("120000")),
    ("120116", "滨海新区", Level::District, Some("120000")),
    ("120117", "宁河区", Level::District, Some("120000")),
    ("120118", "静海区", Level::District, Some("120000")),
    ("120119", "蓟州区", Level::District, Some("120000")),
    ("120101001", "劝业场街道", Level::Street, Some("120101")),
    ("120101002", "小白楼街道", Level::Street, Some("120101")),
    ("120101003", "五大道街道", Level::Street, Some("120101")),
    ("120103002", "下瓦房街道", Level::Street, Some("120103")),
    ("120104002", "长虹街道", Level::Street, Some("120104")),
    ("120119100", "渔阳镇", Level::Street, Some("120119")),
    (
        "120101001001",
        "福安社区",
        Level::Community,
        Some("120101001"),
    ),
    (
        "120101001002",
        "新津社区",
        Level::Community,
        Some("120101001"),
    ),
    (
        "120101001003",
        "滨西社区",
        Level::Community,
        Some("120101001"),
    ),
    (
        "120101002001",
        "开封道社区",
        Level::Community,
        Some("120101002"),
    ),
    (
        "120101002002",
        "大沽路社区",
        Level::Community,
        Some("120101002"),
    ),
    (
        "120101003001",
        "睦南道社区",
        Level::Community,
        Some("120101003"),
    ),
    (
        "120103002001",
        "台儿庄路社区",
        Level::Community,
        Some("120103002"),
    ),
    (
        "120104002001",
        "长虹里社区",
        Level::Community,
        Some("120104002"),
    ),
    (
        "120119100201",
        "城关村",
        Level::Community,
        Some("120119100"),
    ),
    (
        "12010100100101",
        "福安社区第一网格",
        Level::Grid,
        Some("120101001001"),
    ),
    (
        "12010100100102",
        "福安社区第二网格",
        Level::Grid,
        Some("120101001001"),
    ),
];

/// Inserts the missing demo nodes; returns how many were added.
pub async fn load(conn: &DatabaseConnection) -> anyhow::Result<usize> {
    let txn = db::begin(conn).await?;
    let mut added = 0;
    for (code, name, level, parent) in NODES {
        if store::find_by_code(&txn, code).await?.is_some() {
            continue;
        }
        let parent = match parent {
            Some(pc) => Some(
                store::find_by_code(&txn, pc)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("demo parent {pc} missing"))?,
            ),
            None => None,
        };
        let code = Code::parse(code).map_err(anyhow::Error::msg)?;
        store::insert(&txn, &code, name, *level, parent.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("inserting demo node {}: {e}", code.as_str()))?;
        added += 1;
    }
    txn.commit().await?;
    Ok(added)
}
