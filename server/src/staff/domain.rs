//! Staff roles, usernames and passwords, each parsed once at the edge.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::jurisdictions::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Approver,
    Caseworker,
    Operator,
    /// 网格员: posted at a grid node, looks after the key groups of that grid.
    GridWorker,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Supervisor,
        Role::Approver,
        Role::Caseworker,
        Role::Operator,
        Role::GridWorker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Approver => "approver",
            Role::Caseworker => "caseworker",
            Role::Operator => "operator",
            Role::GridWorker => "grid_worker",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How a resident sees someone in this role (timelines show roles, not names).
    pub fn public_title(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Supervisor => "督办人员",
            Role::Approver => "审批人员",
            Role::Caseworker => "社区工作者",
            Role::Operator => "热线话务员",
            Role::GridWorker => "网格员",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Supervisor => "督办",
            Role::Approver => "审批",
            Role::Caseworker => "社区工作者",
            Role::Operator => "话务员",
            Role::GridWorker => "网格员",
        }
    }

    /// The one level an account of this role may be posted at, when the role has one.
    pub fn posted_at(self) -> Option<Level> {
        match self {
            Role::GridWorker => Some(Level::Grid),
            _ => None,
        }
    }

    /// The refusal when `level` is not where this role may be posted.
    pub fn check_post(self, level: Level) -> Result<(), String> {
        match self.posted_at() {
            Some(required) if required != level => Err(format!(
                "{}只能设在{}一级的区划",
                self.label(),
                required.label()
            )),
            _ => Ok(()),
        }
    }
}

/// Lower-case login name: 3–32 of `a-z 0-9 . _ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Username, String> {
        let s = s.trim().to_lowercase();
        let n = s.chars().count();
        if !(3..=32).contains(&n) {
            return Err("用户名须为 3–32 个字符".into());
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err("用户名只能包含小写字母、数字和 . _ -".into());
        }
        Ok(Username(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10–128 characters with at least one letter and one digit.
pub struct Password(String);

impl Password {
    pub fn parse(s: &str) -> Result<Password, String> {
        let n = s.chars().count();
        if n < 10 {
            return Err("密码至少 10 个字符".into());
        }
        if n > 128 {
            return Err("密码不能超过 128 个字符".into());
        }
        if !s.chars().any(|c| c.is_alphabetic()) || !s.chars().any(|c| c.is_ascii_digit()) {
            return Err("密码须同时包含字母和数字".into());
        }
        Ok(Password(s.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

/// Optional display name shown on timelines.
pub fn parse_display_name(s: &str) -> Result<String, String> {
    let s = s.trim();
    let n = s.chars().count();
    if n == 0 || n > 64 || s.chars().any(char::is_control) {
        return Err("姓名须为 1–64 个字且不含控制字符".into());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_restricted() {
        assert_eq!(
            Username::parse(" Zhang.San ").unwrap().as_str(),
            "zhang.san"
        );
        for bad in ["ab", "张三", "a b c", "x%y", &"a".repeat(33)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_length_letters_and_digits() {
        assert!(Password::parse("correct horse 42").is_ok());
        for bad in [
            "short1",
            "onlyletterslong",
            "1234567890123",
            &"a1".repeat(65),
        ] {
            assert!(Password::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            format!("{:?}", Password::parse("secret-pass-123").unwrap()),
            "Password([REDACTED])"
        );
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::parse("grid_worker"), Some(Role::GridWorker));
        assert!(Role::GridWorker.check_post(Level::Grid).is_ok());
        assert!(Role::GridWorker.check_post(Level::Community).is_err());
        assert!(Role::Caseworker.check_post(Level::Grid).is_ok());
    }
}
