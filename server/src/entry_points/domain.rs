//! Scenes, channels and labels of entry points, and the China-time calendar of the funnel.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Characters WeChat allows in a `scene` besides ASCII letters and digits.
const SCENE_SYMBOLS: &str = "!#$&'()*+,/:;=?@-._~";
/// Generated scenes use letters and digits without look-alikes (0/O, 1/l/I).
const SCENE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// 12 characters of a 57-letter alphabet: about 70 bits, not guessable from a neighbour.
pub const SCENE_LEN: usize = 12;
pub const SCENE_MAX: usize = 32;

/// The `scene` an entry point's codes carry: ≤ 32 characters from WeChat's allowed set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scene(String);

impl Scene {
    /// A fresh random scene (rejection sampling keeps the letters uniform).
    pub fn generate() -> Scene {
        let mut out = String::with_capacity(SCENE_LEN);
        while out.len() < SCENE_LEN {
            for b in crate::config::random_bytes::<32>() {
                let limit = 256 - 256 % SCENE_ALPHABET.len();
                if (b as usize) < limit && out.len() < SCENE_LEN {
                    out.push(SCENE_ALPHABET[b as usize % SCENE_ALPHABET.len()] as char);
                }
            }
        }
        Scene(out)
    }

    /// What a scanner sends back; the mini-program passes it through `decodeURIComponent`.
    pub fn parse(s: &str) -> Result<Scene, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("二维码内容为空,请重新扫码".into());
        }
        if s.chars().count() > SCENE_MAX {
            return Err("二维码内容过长,请重新扫码".into());
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SCENE_SYMBOLS.contains(c))
        {
            return Err("二维码内容无法识别,请重新扫码".into());
        }
        Ok(Scene(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a code is posted or handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A poster in the community.
    Poster,
    /// The community service hall's counter.
    CommunityHall,
    /// Sent by the hotline as a text message.
    HotlineSms,
    /// Carried by caseworkers on home visits.
    DoorToDoor,
    Other,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Poster,
        Channel::CommunityHall,
        Channel::HotlineSms,
        Channel::DoorToDoor,
        Channel::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Poster => "poster",
            Channel::CommunityHall => "community_hall",
            Channel::HotlineSms => "hotline_sms",
            Channel::DoorToDoor => "door_to_door",
            Channel::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}

/// A label staff recognise, e.g. 「3号楼门厅海报」: 1–64 characters, no control characters.
pub fn parse_label(s: &str) -> Result<String, String> {
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

/// China Standard Time: UTC+8 all year (no daylight saving).
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// The calendar day in China of an instant.
pub fn china_day(at: DateTime<Utc>) -> NaiveDate {
    china().from_utc_datetime(&at.naive_utc()).date_naive()
}

/// The longest range the funnel answers at once.
pub const MAX_RANGE_DAYS: i64 = 366;
/// The range used when none is given: the last 30 days up to today.
pub const DEFAULT_RANGE_DAYS: i64 = 30;

/// The funnel's period (see `calendar::domain::parse_period`).
pub fn parse_range(
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), crate::error::FieldErrors> {
    crate::calendar::domain::parse_period(from, to, today, DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_scenes_are_random_and_valid() {
        let a = Scene::generate();
        let b = Scene::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), SCENE_LEN);
        assert!(Scene::parse(a.as_str()).is_ok());
        assert!(a.as_str().bytes().all(|c| SCENE_ALPHABET.contains(&c)));
        // Neighbours share no structure: no common prefix beyond chance.
        let common = a
            .as_str()
            .chars()
            .zip(b.as_str().chars())
            .take_while(|(x, y)| x == y)
            .count();
        assert!(common < 6, "{a:?} {b:?}");
    }

    #[test]
    fn scenes_follow_wechats_rules() {
        assert!(Scene::parse("abc-._~!#$&'()*+,/:;=?@XYZ09").is_ok());
        assert!(Scene::parse(&"a".repeat(32)).is_ok());
        assert!(Scene::parse(&"a".repeat(33)).is_err());
        for bad in ["", "  ", "a%20b", "福安", "a b", "<script>"] {
            assert!(Scene::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn china_days_turn_at_utc_sixteen() {
        let before = "2026-03-01T15:59:59Z".parse().unwrap();
        let after = "2026-03-01T16:00:00Z".parse().unwrap();
        assert_eq!(china_day(before).to_string(), "2026-03-01");
        assert_eq!(china_day(after).to_string(), "2026-03-02");
    }

    #[test]
    fn ranges_are_validated_with_every_problem_named() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let (from, to) = parse_range(None, None, today).unwrap();
        assert_eq!((to - from).num_days(), DEFAULT_RANGE_DAYS - 1);
        assert_eq!(to, today);
        let e = parse_range(Some("2026-13-01"), Some("x"), today).unwrap_err();
        assert!(e.contains_key("from") && e.contains_key("to"));
        assert!(parse_range(Some("2026-02-01"), Some("2026-01-01"), today).is_err());
        assert!(parse_range(Some("2024-01-01"), Some("2026-01-01"), today).is_err());
        assert!(parse_range(Some("2025-01-01"), Some("2026-01-01"), today).is_ok());
        // Far-away years are refused before any arithmetic can overflow.
        for (from, to) in [
            (None, Some("-262143-01-01")),
            (Some("+262142-12-31"), None),
            (None, Some("1066-10-14")),
        ] {
            assert!(parse_range(from, to, today).is_err(), "{from:?} {to:?}");
        }
    }
}
