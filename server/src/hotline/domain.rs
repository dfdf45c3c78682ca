//! Hotline values parsed once at the edge: caller numbers (mobile or landline with area code),
//! call categories, platform identifiers and the follow-up rules.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::privacy::MobileNumber;

/// Attempts at a 回访 before it is given up as unreachable: the first call and up to three
/// retries on later days.
pub const MAX_FOLLOW_UP_ATTEMPTS: i32 = 4;
/// A satisfaction of this or lower reopens the case.
pub const DISSATISFIED_AT_MOST: i32 = 2;

/// A caller's number: a mainland mobile (normalised as everywhere else) or a landline with its
/// area code, as the elderly often call from home.
#[derive(Clone, PartialEq, Eq)]
pub struct CallerNumber(String);

impl std::fmt::Debug for CallerNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CallerNumber({})", self.masked())
    }
}

impl CallerNumber {
    pub fn parse(input: &str) -> Result<CallerNumber, String> {
        if let Ok(mobile) = MobileNumber::parse(input) {
            return Ok(CallerNumber(mobile.as_str().to_string()));
        }
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let digits = compact
            .strip_prefix("+86")
            .map(|rest| format!("0{rest}"))
            .or_else(|| compact.strip_prefix("0086").map(|rest| format!("0{rest}")))
            .unwrap_or(compact);
        // 0 + area code (2–3 digits) + local number (7–8 digits).
        let landline = (10..=12).contains(&digits.len())
            && digits.starts_with('0')
            && !digits.starts_with("00")
            && digits.chars().all(|c| c.is_ascii_digit());
        if landline {
            Ok(CallerNumber(digits))
        } else {
            Err("请输入正确的手机号码,或带区号的固定电话".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`, `022****6789`.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        format!("{}****{}", &self.0[..3], &self.0[n - 4..])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 咨询
    Inquiry,
    /// 求助: reaches the community as a task even without an application.
    Help,
    /// 投诉
    Complaint,
    /// 回访 made or received by the hotline.
    FollowUp,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Inquiry,
        Category::Help,
        Category::Complaint,
        Category::FollowUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Inquiry => "inquiry",
            Category::Help => "help",
            Category::Complaint => "complaint",
            Category::FollowUp => "follow_up",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Inquiry => "咨询",
            Category::Help => "求助",
            Category::Complaint => "投诉",
            Category::FollowUp => "回访",
        }
    }
}

/// A platform or operator identifier: 1–64 of `A-Z a-z 0-9 . _ : -`.
pub fn parse_external_id(s: &str, what: &str) -> Result<String, String> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("{what}须为 1–64 位字母、数字或 . _ : -"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines_are_normalised_and_masked() {
        for (input, normal, masked) in [
            ("+86 138-1234-5678", "13812345678", "138****5678"),
            ("022-2345 6789", "02223456789", "022****6789"),
            ("(0316) 1234567", "03161234567", "031****4567"),
            ("+86 22 23456789", "02223456789", "022****6789"),
        ] {
            let n = CallerNumber::parse(input).unwrap();
            assert_eq!(n.as_str(), normal, "{input}");
            assert_eq!(n.masked(), masked, "{input}");
            assert_eq!(format!("{n:?}"), format!("CallerNumber({masked})"));
        }
    }

    #[test]
    fn numbers_without_an_area_code_or_with_letters_are_refused() {
        for input in [
            "23456789",
            "12812345678",
            "0022345678",
            "02223456a89",
            "",
            "110",
        ] {
            assert!(CallerNumber::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn categories_and_ids_parse_strictly() {
        assert_eq!(Category::parse("help"), Some(Category::Help));
        assert_eq!(Category::parse("Help"), None);
        assert!(parse_external_id("pf-2026:0001", "x").is_ok());
        assert!(parse_external_id("a b", "x").is_err());
        assert!(parse_external_id(&"a".repeat(65), "x").is_err());
    }
}
