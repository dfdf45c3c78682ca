//! Jurisdiction levels, codes and the subtree `Scope` every staff query is limited by.

use sea_orm::{ColumnTrait, sea_query::SimpleExpr};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    City,
    District,
    Street,
    Community,
    Grid,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::City,
        Level::District,
        Level::Street,
        Level::Community,
        Level::Grid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::District => "district",
            Level::Street => "street",
            Level::Community => "community",
            Level::Grid => "grid",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The level a child of this level must have.
    pub fn child(self) -> Option<Level> {
        match self {
            Level::City => Some(Level::District),
            Level::District => Some(Level::Street),
            Level::Street => Some(Level::Community),
            Level::Community => Some(Level::Grid),
            Level::Grid => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::City => "市",
            Level::District => "区",
            Level::Street => "街道/乡镇",
            Level::Community => "社区/村",
            Level::Grid => "网格",
        }
    }
}

/// A jurisdiction code: GB/T 2260 for cities and districts, longer local codes below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    pub fn parse(s: &str) -> Result<Code, String> {
        let s = s.trim();
        if s.is_empty() || s.len() > 32 {
            return Err("区划代码须为 1–32 位".into());
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("区划代码只能包含数字和字母".into());
        }
        // One case only: SQLite's LIKE ignores ASCII case and PostgreSQL's does not, so mixed
        // case would make scope checks differ between the two.
        Ok(Code(s.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name such as 和平区 or 福安社区.
pub fn parse_name(s: &str) -> Result<String, String> {
    let s = s.trim();
    let n = s.chars().count();
    if n == 0 {
        return Err("名称不能为空".into());
    }
    if n > 64 {
        return Err("名称不能超过 64 个字".into());
    }
    if s.chars().any(char::is_control) {
        return Err("名称不能包含控制字符".into());
    }
    Ok(s.to_string())
}

/// The materialised path of a node: its ancestors' codes and its own, `/120000/120101/`.
pub fn child_path(parent_path: &str, code: &Code) -> String {
    format!("{parent_path}{}/", code.as_str())
}

pub fn root_path(code: &Code) -> String {
    format!("/{}/", code.as_str())
}

/// The codes on a path, root first.
pub fn path_codes(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// `/a/b/c/` → `/a/b/`: the parent's path (a community's street).
pub fn parent_path(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => &path[..=i],
        None => path,
    }
}

/// The code of the parent node (a community's street).
pub fn parent_code(path: &str) -> Option<&str> {
    path_codes(path).into_iter().rev().nth(1)
}

/// `/a/b/c/` → [`/a/`, `/a/b/`, `/a/b/c/`]: each ancestor's path, then the node's own.
pub fn ancestor_paths(path: &str) -> Vec<String> {
    let mut acc = String::from("/");
    path_codes(path)
        .into_iter()
        .map(|c| {
            acc.push_str(c);
            acc.push('/');
            acc.clone()
        })
        .collect()
}

/// The subtree a staff member may see and act in. Built only from the staff member's node;
/// every staff query filters through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub jurisdiction_id: Uuid,
    pub code: String,
    pub name: String,
    pub level: Level,
    pub path: String,
}

impl Scope {
    /// Whether a node (given by its path) is inside this subtree.
    pub fn contains(&self, path: &str) -> bool {
        path.starts_with(&self.path)
    }

    /// SQL condition: `column` (a materialised path) lies in this subtree.
    pub fn filter<C: ColumnTrait>(&self, column: C) -> SimpleExpr {
        // Codes are alphanumeric, so the path holds no LIKE wildcards.
        column.starts_with(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(path: &str) -> Scope {
        Scope {
            jurisdiction_id: Uuid::nil(),
            code: path_codes(path).last().unwrap().to_string(),
            name: "x".into(),
            level: Level::District,
            path: path.into(),
        }
    }

    #[test]
    fn a_scope_contains_its_subtree_only() {
        let s = scope("/120000/120101/");
        assert!(s.contains("/120000/120101/"));
        assert!(s.contains("/120000/120101/120101001/"));
        assert!(!s.contains("/120000/"));
        assert!(!s.contains("/120000/120102/"));
        // A sibling whose code merely starts with the same digits is outside.
        assert!(!s.contains("/120000/1201011/"));
    }

    #[test]
    fn codes_reject_wildcards_and_overlong_values() {
        assert!(Code::parse("120101").is_ok());
        assert_eq!(Code::parse(" ab12 ").unwrap().as_str(), "AB12");
        assert!(Code::parse("12%").is_err());
        assert!(Code::parse("1_2").is_err());
        assert!(Code::parse("").is_err());
        assert!(Code::parse(&"1".repeat(33)).is_err());
    }

    #[test]
    fn paths_name_their_parent_and_ancestors() {
        let community = "/120000/120101/120101001/";
        assert_eq!(parent_path(community), "/120000/120101/");
        assert_eq!(parent_code(community), Some("120101"));
        assert_eq!(parent_code("/120000/"), None);
        assert_eq!(
            ancestor_paths(community),
            ["/120000/", "/120000/120101/", "/120000/120101/120101001/"]
        );
        assert!(ancestor_paths("").is_empty());
    }

    #[test]
    fn levels_nest_in_order() {
        assert_eq!(Level::City.child(), Some(Level::District));
        assert_eq!(Level::Community.child(), Some(Level::Grid));
        assert_eq!(Level::Grid.child(), None);
        assert_eq!(Level::parse("street"), Some(Level::Street));
        assert_eq!(path_codes("/120000/120101/"), vec!["120000", "120101"]);
    }
}
